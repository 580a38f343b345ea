"""The demo loader, the bench data generator and the pictures they draw."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image as PILImage

from demo import content as demo_content
from demo import images as demo_images
from newsletter.models import STANDARD_SECTIONS, Image, Issue, Item, Paper, Revision, Section

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # seed_demo hashes four passwords per run; the default hasher is slow by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed_demo():
    # pytest-django runs with DEBUG off, where the command refuses unless told otherwise.
    call_command("seed_demo", allow_without_debug=True, verbosity=0)


def demo_issue() -> Issue:
    return Issue.objects.get(slug=demo_content.ISSUE["slug"])


def logs_in(client, username: str, password: str) -> bool:
    """Through the admin's login form, as a person would (and past the login throttle)."""
    client.logout()
    response = client.post("/admin/login/", {"username": username, "password": password})
    return response.status_code == 302 and client.get("/admin/").status_code == 200


def row_counts() -> dict[str, int]:
    models = (Issue, Section, Item, Paper, Image, Revision, User)
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_creates_a_staff_user_per_role_who_can_log_in_with_the_demo_password(client):
    seed_demo()
    for username, (group, superuser, password) in demo_content.DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert user.is_staff and user.is_active
        assert user.is_superuser is superuser
        assert list(user.groups.values_list("name", flat=True)) == ([group] if group else [])
        assert logs_in(client, username, password), username


def test_seed_demo_creates_issue_one_with_the_standard_sections_ten_items_and_three_papers():
    seed_demo()
    issue = demo_issue()
    assert issue.number == 1
    assert issue.hero_image is not None
    assert tuple(issue.sections.values_list("title", flat=True)) == STANDARD_SECTIONS
    assert all(section.intro for section in issue.sections.all())
    assert Item.objects.filter(section__issue=issue).count() == 10
    papers = Paper.objects.filter(section__issue=issue)
    assert {paper.section.title for paper in papers} == {"Papers & research"}
    assert sorted(papers.values_list("arxiv_id", flat=True)) == [
        "1706.03762",
        "2006.11239",
        "2106.09685",
    ]


def test_the_demo_issue_is_live_and_its_page_shows_a_paper_title(client):
    seed_demo()
    issue = demo_issue()
    assert Revision.objects.live().filter(issue=issue).count() == 1
    response = client.get(f"/issues/1-{issue.slug}/")
    assert response.status_code == 200
    assert "Denoising Diffusion Probabilistic Models" in response.content.decode()


def test_running_seed_demo_twice_leaves_every_row_count_and_password_unchanged():
    seed_demo()
    counts = row_counts()
    passwords = dict(User.objects.values_list("username", "password"))
    seed_demo()
    assert row_counts() == counts
    assert counts["Image"] == len(demo_content.IMAGES)
    assert counts["Revision"] == 1
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_seed_demo_resets_a_changed_demo_password_and_restores_staff_status(client):
    seed_demo()
    editor = User.objects.get(username="editor")
    editor.set_password("something else entirely")
    editor.is_staff = False
    editor.save()
    seed_demo()
    editor.refresh_from_db()
    assert editor.is_staff
    assert logs_in(client, "editor", demo_content.DEMO_USERS["editor"][2])


def test_the_demo_images_are_real_files_with_alt_text_sizes_and_renditions():
    seed_demo()
    images = Image.objects.all()
    assert images.count() == len(demo_content.IMAGES)
    for image in images:
        assert image.alt_text.strip()
        assert image.width > 0 and image.height > 0
        with image.file.open("rb") as stored, PILImage.open(stored) as picture:
            assert picture.size == (image.width, image.height)
        assert image.renditions
        for rendition in image.renditions:
            assert default_storage.exists(rendition["name"])
            assert rendition["width"] <= image.width


def test_seed_demo_refuses_to_create_known_passwords_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()


def test_the_demo_drawings_give_the_same_bytes_every_time():
    for name, drawing in demo_images.DRAWINGS.items():
        assert drawing() == drawing(), name


def test_generate_bench_data_publishes_issues_after_the_demo_and_skips_existing_ones():
    seed_demo()
    call_command("generate_bench_data", issues=2, verbosity=0)
    call_command("generate_bench_data", issues=3, verbosity=0)
    bench = Issue.objects.filter(slug__startswith="bench-issue-").order_by("number")
    assert list(bench.values_list("number", flat=True)) == [2, 3, 4]
    for issue in bench:
        assert issue.sections.count() == 4
        assert Item.objects.filter(section__issue=issue).count() == 20
        assert Item.objects.filter(section__issue=issue, image__isnull=False).count() == 10
        assert Paper.objects.filter(section__issue=issue).count() == 3
        assert Revision.objects.live().filter(issue=issue).count() == 1
    assert Revision.objects.count() == 4


def _vacuumed_and_analysed(table: str):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = %s",
            [table],
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_generate_bench_data_leaves_the_tables_it_filled_vacuumed_and_analysed():
    # VACUUM cannot run in a transaction: this test commits, as the command does.
    seed_demo()
    tables = (
        "newsletter_issue",
        "newsletter_item",
        "newsletter_revision",
        "newsletter_searchentry",
    )
    out = StringIO()
    call_command("generate_bench_data", issues=3, stdout=out)
    assert "3 created and published" in out.getvalue()
    assert "vacuumed and analysed" in out.getvalue()
    settled = {table: _vacuumed_and_analysed(table) for table in tables}
    for table, (vacuumed, analysed) in settled.items():
        assert vacuumed is not None and analysed is not None, table
    assert Revision.objects.live().filter(issue__slug__startswith="bench-issue-").count() == 3

    # Nothing missing, nothing made: nothing to settle either.
    out = StringIO()
    call_command("generate_bench_data", issues=3, stdout=out)
    assert "3 already present, 0 created" in out.getvalue()
    assert "vacuumed" not in out.getvalue()
    assert {table: _vacuumed_and_analysed(table) for table in tables} == settled
