"""Editors build a whole issue in the admin: issues, sections, items, papers and images."""

import re
from datetime import UTC, datetime
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsletter.content.build import build_snapshot
from newsletter.models import STANDARD_SECTIONS, Image, Issue, Item, Paper, Revision, Section
from tests.helpers.admin import form_data
from tests.helpers.images import image_bytes, upload

pytestmark = pytest.mark.django_db

_sha = count(1)


def make_image(alt_text="A robot reading a newspaper", renditions=None, **fields):
    n = next(_sha)
    if renditions is None:
        renditions = [
            {"width": 960, "height": 540, "name": f"renditions/robot-{n}-960.webp"},
            {"width": 480, "height": 270, "name": f"renditions/robot-{n}-480.webp"},
        ]
    return Image.objects.create(
        file=fields.pop("file", f"images/2025/01/robot-{n}.png"),
        alt_text=alt_text,
        width=1600,
        height=900,
        sha256=f"{n:064x}",
        renditions=renditions,
        **fields,
    )


def make_revision(issue, number=1, **fields):
    snapshot = build_snapshot(issue).to_json()
    return Revision.objects.create(issue=issue, number=number, snapshot=snapshot, **fields)


def textarea(html, name):
    match = re.search(rf'<textarea[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert match, f"no textarea named {name}"
    return match.group(0)


def assert_markdown_editor(html, name):
    tag = textarea(html, name)
    assert "markdownx-editor" in tag
    assert 'data-markdownx-urls-path="/admin/markdownx/markdownify/"' in tag
    assert 'data-markdownx-upload-urls-path="/admin/markdownx/upload/"' in tag


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# Issues ------------------------------------------------------------------------------


def test_editor_can_log_in_and_open_the_issue_list(client, editor, make_issue):
    make_issue(number=7, title="Seven wonders of attention")
    response = client.post(
        reverse("admin:login"),
        {"username": "eddie", "password": "correct horse battery", "next": "/admin/"},
    )
    assert response.status_code == 302

    response = client.get(reverse("admin:newsletter_issue_changelist"))
    assert response.status_code == 200
    assert "Seven wonders of attention" in response.text


def test_admin_pages_are_titled_with_the_site_name(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert "Machine Learning Monthly admin" in response.text


def test_issue_list_searches_titles_slugs_and_summaries(editor_client, make_issue):
    make_issue(number=1, title="Diffusion everywhere", summary="Pictures from noise.")
    make_issue(number=2, title="Agents, again", slug="agents-again")
    url = reverse("admin:newsletter_issue_changelist")

    assert list(editor_client.get(url, {"q": "noise"}).context["cl"].result_list) == [
        Issue.objects.get(number=1)
    ]
    assert list(editor_client.get(url, {"q": "agents-again"}).context["cl"].result_list) == [
        Issue.objects.get(number=2)
    ]


def test_issue_list_filters_by_state(editor_client, make_issue):
    make_issue(number=1)
    make_issue(number=2)
    Issue.objects.filter(number=2).update(state=Issue.State.IN_REVIEW)

    response = editor_client.get(
        reverse("admin:newsletter_issue_changelist"), {"state__exact": "in_review"}
    )
    assert [issue.number for issue in response.context["cl"].result_list] == [2]


def test_the_add_page_prefills_the_next_issue_number(editor_client, make_issue):
    make_issue(number=41)
    response = editor_client.get(reverse("admin:newsletter_issue_add"))
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["number"] == 42
    assert 'name="number" value="42"' in response.text


def test_editor_can_open_an_issue_change_page(editor_client, make_issue):
    issue = make_issue()
    response = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    assert response.status_code == 200
    assert 'name="title"' in response.text


def _new_issue_data(editor_client, **extra):
    response = editor_client.get(reverse("admin:newsletter_issue_add"))
    data = form_data(response)
    data.update(title="Small models, big ideas", slug="small-models-big-ideas", **extra)
    return data


def test_creating_an_issue_adds_the_standard_sections_in_order(editor_client, editor):
    data = _new_issue_data(editor_client)
    assert data["sections-TOTAL_FORMS"] == 0

    response = editor_client.post(reverse("admin:newsletter_issue_add"), data)

    assert response.status_code == 302
    issue = Issue.objects.get(slug="small-models-big-ideas")
    assert issue.number == 1
    assert [s.title for s in issue.sections.all()] == list(STANDARD_SECTIONS)
    assert issue.created_by == editor
    assert issue.updated_by == editor
    assert issue.state == Issue.State.DRAFT


def test_sections_added_inline_replace_the_standard_ones(editor_client):
    data = _new_issue_data(editor_client)
    data.update(
        {
            "sections-TOTAL_FORMS": 1,
            "sections-0-title": "Only this",
            "sections-0-intro": "",
            "sections-0-position": "",
        }
    )

    response = editor_client.post(reverse("admin:newsletter_issue_add"), data)

    assert response.status_code == 302
    issue = Issue.objects.get(slug="small-models-big-ideas")
    assert [s.title for s in issue.sections.all()] == ["Only this"]


def test_each_save_increments_the_version_and_records_the_editor(editor_client, editor, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])

    for expected in (2, 3):
        data = form_data(editor_client.get(url))
        data["title"] = f"Version {expected}"
        response = editor_client.post(url, data)
        assert response.status_code == 302

        issue.refresh_from_db()
        assert issue.version == expected
        assert issue.title == f"Version {expected}"
        assert issue.updated_by == editor


def test_saving_over_someone_elses_save_is_refused_and_keeps_the_input(editor_client, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    other = get_user_model().objects.create_user("olga", first_name="Olga", last_name="Ng")
    saved_at = datetime(2026, 7, 1, 9, 30, 5, tzinfo=UTC)
    Issue.objects.filter(pk=issue.pk).update(
        version=5, title="Their title", updated_by=other, updated_at=saved_at
    )
    data["title"] = "My title"

    response = editor_client.post(url, data)

    assert response.status_code == 200
    # Who saved and when, in the site's time zone (London is on BST in July).
    assert "Olga Ng changed this issue at 10:30:05 on 01 Jul 2026 (BST)" in response.text
    assert 'value="My title"' in response.text
    issue.refresh_from_db()
    assert (issue.title, issue.version) == ("Their title", 5)


def test_state_and_version_are_read_only(editor_client, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    data.update(state="approved", version=99)

    editor_client.post(url, data)

    issue.refresh_from_db()
    assert issue.state == Issue.State.DRAFT
    assert issue.version == 2


@pytest.mark.parametrize("state", [Issue.State.IN_REVIEW, Issue.State.APPROVED])
def test_an_issue_not_in_draft_is_read_only_for_the_editor(editor_client, make_issue, state):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    Issue.objects.filter(pk=issue.pk).update(state=state)

    page = editor_client.get(url)
    assert page.status_code == 200
    assert 'name="title"' not in page.text
    assert 'name="sections-0-title"' not in page.text

    data["title"] = "Sneaky edit"
    data["sections-0-title"] = "Sneaky section"
    response = editor_client.post(url, data)

    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.title == "Small models, big ideas"
    assert issue.version == 1
    assert issue.sections.first().title == "My work"


def test_a_section_of_an_issue_not_in_draft_is_read_only(editor_client, make_issue):
    issue = make_issue()
    section = issue.sections.get(title="My work")
    url = reverse("admin:newsletter_section_change", args=[section.pk])
    data = form_data(editor_client.get(url))
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.IN_REVIEW)

    assert 'name="items-0-title"' not in editor_client.get(url).text
    data["items-0-title"] = "Sneaky item"
    assert editor_client.post(url, data).status_code == 403
    assert Item.objects.filter(title="Sneaky item").count() == 0


def test_issue_page_lists_its_sections_sortable_with_links_to_each(editor_client, make_issue):
    issue = make_issue()
    response = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))

    (sections,) = response.context["inline_admin_formsets"]
    assert "sortable" in sections.classes
    assert sections.formset.prefix == "sections"
    for section in issue.sections.all():
        assert reverse("admin:newsletter_section_change", args=[section.pk]) in response.text
    assert "adminsortable2/js/adminsortable2" in response.text


def test_admin_pages_load_only_static_files_that_exist(editor_client, make_issue):
    from django.contrib.staticfiles import finders

    issue = make_issue()
    section = issue.sections.first()
    for url in (
        reverse("admin:newsletter_issue_change", args=[issue.pk]),
        reverse("admin:newsletter_issue_add"),
        reverse("admin:newsletter_section_change", args=[section.pk]),
    ):
        html = editor_client.get(url).text
        for path in re.findall(r'(?:src|href)="/static/([^"?]+)"', html):
            assert finders.find(path), f"{url} loads missing static file {path}"


def test_reordering_sections_saves_their_positions(editor_client, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    # What the drag-and-drop script does: renumber the hidden position inputs.
    data["sections-0-position"], data["sections-1-position"] = 2, 1

    assert editor_client.post(url, data).status_code == 302
    assert [s.title for s in issue.sections.all()] == ["Papers & research", "My work"]


# Sections ----------------------------------------------------------------------------


def test_section_page_edits_items_and_papers_and_links_back_to_its_issue(editor_client, make_issue):
    issue = make_issue()
    section = issue.sections.get(title="My work")
    url = reverse("admin:newsletter_section_change", args=[section.pk])
    response = editor_client.get(url)

    assert response.status_code == 200
    assert reverse("admin:newsletter_issue_change", args=[issue.pk]) in response.text
    prefixes = [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]
    assert prefixes == ["items", "papers"]

    data = form_data(response)
    data.update(
        {
            "items-TOTAL_FORMS": 3,
            "items-2-title": "A third item",
            "items-2-url": "https://example.com/third",
            "items-2-source": "",
            "items-2-body": "Why it *matters*.",
            "items-2-image": "",
            "items-2-position": "",
        }
    )
    assert editor_client.post(url, data).status_code == 302
    assert [item.title for item in section.items.all()] == [
        "Fine-tuning on a laptop",
        "A tiny eval harness",
        "A third item",
    ]
    # Changing a section changes the issue: an issue page opened before is now stale.
    issue.refresh_from_db()
    assert issue.version == 2


# Markdown editor ---------------------------------------------------------------------


def test_every_markdown_field_uses_the_live_preview_editor(editor_client, make_issue):
    issue = make_issue()
    issue_page = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    assert_markdown_editor(issue_page.text, "summary")
    assert_markdown_editor(issue_page.text, "sections-0-intro")
    assert_markdown_editor(issue_page.text, "sections-__prefix__-intro")

    work = issue.sections.get(title="My work")
    papers = issue.sections.get(title="Papers & research")
    work_page = editor_client.get(reverse("admin:newsletter_section_change", args=[work.pk]))
    assert_markdown_editor(work_page.text, "intro")
    assert_markdown_editor(work_page.text, "items-0-body")
    assert_markdown_editor(work_page.text, "items-__prefix__-body")
    papers_page = editor_client.get(reverse("admin:newsletter_section_change", args=[papers.pk]))
    assert_markdown_editor(papers_page.text, "papers-0-summary")
    assert_markdown_editor(papers_page.text, "papers-__prefix__-summary")


def test_markdown_scripts_load_with_the_inline_initialiser_first(editor_client, make_issue):
    issue = make_issue()
    html = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text
    ours = html.index("js/admin-markdownx.js")
    theirs = html.index("markdownx/js/markdownx")
    assert ours < theirs
    assert "markdownx/admin/css/markdownx" in html


# Images ------------------------------------------------------------------------------


def test_the_image_picker_shows_the_thumbnail_of_the_chosen_image(editor_client, make_issue):
    image = make_image(alt_text="A robot reading a newspaper")
    issue = make_issue(hero_image=image)

    html = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text

    smallest = image.renditions[1]["name"]
    assert re.search(
        rf'<img class="admin-thumbnail" src="/media/{re.escape(smallest)}" '
        r'alt="A robot reading a newspaper"',
        html,
    )
    assert reverse("admin:newsletter_image_change", args=[image.pk]) in html
    # Looking up another image, or uploading a new one, stays one click away.
    assert 'id="lookup_id_hero_image"' in html
    assert 'id="add_id_hero_image"' in html


def test_the_image_picker_falls_back_to_the_original_file(editor_client, make_issue):
    image = make_image(renditions=[], file="images/2025/01/plain.png")
    issue = make_issue()
    Item.objects.filter(section__issue=issue).update(image=image)
    section = issue.sections.get(title="My work")

    html = editor_client.get(reverse("admin:newsletter_section_change", args=[section.pk])).text

    assert 'src="/media/images/2025/01/plain.png"' in html


def test_the_picker_preview_endpoint_describes_an_image(editor_client):
    image = make_image(alt_text="Charts & graphs")
    url = reverse("admin:newsletter_image_picker_preview")

    response = editor_client.get(url, {"id": image.pk})
    assert response.json() == {
        "id": image.pk,
        "alt_text": "Charts & graphs",
        "thumbnail_url": f"/media/{image.renditions[1]['name']}",
        "width": 1600,
        "height": 900,
        "change_url": reverse("admin:newsletter_image_change", args=[image.pk]),
    }
    assert editor_client.get(url, {"id": "nope"}).status_code == 404


def test_the_picker_preview_endpoint_needs_a_staff_login(client):
    image = make_image()
    response = client.get(reverse("admin:newsletter_image_picker_preview"), {"id": image.pk})
    assert response.status_code == 302


def test_image_list_and_lookup_popup_show_thumbnails(editor_client, editor):
    image = make_image(alt_text="A cat on a keyboard", uploaded_by=editor)
    url = reverse("admin:newsletter_image_changelist")

    for params in ({}, {"_popup": 1, "_to_field": "id"}):
        html = editor_client.get(url, params).text
        assert f'src="/media/{image.renditions[1]["name"]}"' in html
        assert "A cat on a keyboard" in html
        assert "1600 × 900" in html
        assert "eddie" in html


def test_image_list_searches_alt_text_caption_and_credit(editor_client):
    make_image(alt_text="A cat", caption="Sleeping", credit="Jane Doe")
    make_image(alt_text="A dog")
    url = reverse("admin:newsletter_image_changelist")
    for query in ("cat", "sleeping", "jane"):
        results = editor_client.get(url, {"q": query}).context["cl"].result_list
        assert [image.alt_text for image in results] == ["A cat"]


def test_image_change_page_shows_a_preview_and_read_only_facts(editor_client):
    image = make_image(alt_text="Loss curves")
    html = editor_client.get(reverse("admin:newsletter_image_change", args=[image.pk])).text
    assert f'src="/media/{image.renditions[1]["name"]}"' in html
    assert image.sha256 in html
    assert "960 × 540" in html
    assert 'name="sha256"' not in html
    assert 'name="width"' not in html
    assert 'name="alt_text"' in html


def test_an_image_uploaded_in_the_admin_goes_through_the_pipeline(editor_client, editor):
    response = editor_client.post(
        reverse("admin:newsletter_image_add"),
        {
            "file": upload(image_bytes("PNG", size=(1200, 800)), name="curves.png"),
            "alt_text": "Training loss falling over time",
            "caption": "",
            "credit": "",
            "credit_url": "",
        },
    )

    assert response.status_code == 302
    image = Image.objects.get()
    assert image.alt_text == "Training loss falling over time"
    assert image.uploaded_by == editor
    assert (image.width, image.height) == (1200, 800)
    assert len(image.sha256) == 64
    assert image.renditions


def test_uploading_the_same_picture_twice_gives_the_existing_image(editor_client):
    data = image_bytes("PNG", size=(300, 200))
    url = reverse("admin:newsletter_image_add")
    fields = {"caption": "", "credit": "", "credit_url": ""}
    editor_client.post(url, {"file": upload(data), "alt_text": "First", **fields})

    response = editor_client.post(
        url, {"file": upload(data), "alt_text": "Second", **fields}, follow=True
    )

    assert Image.objects.count() == 1
    assert Image.objects.get().alt_text == "First"
    assert "uploaded before" in response.text


def test_uploading_from_the_picker_popup_hands_the_new_image_back(editor_client):
    response = editor_client.post(
        reverse("admin:newsletter_image_add") + "?_to_field=id&_popup=1",
        {
            "file": upload(image_bytes("PNG", size=(200, 100))),
            "alt_text": "A new picture",
            "caption": "",
            "credit": "",
            "credit_url": "",
            "_popup": "1",
            "_to_field": "id",
        },
    )
    image = Image.objects.get()
    assert response.status_code == 200
    assert response.context["popup_response_data"]
    assert f'"value": "{image.pk}"' in response.context["popup_response_data"]


# Revisions ---------------------------------------------------------------------------


def test_revision_admin_refuses_add_change_and_delete(admin_client, make_issue):
    issue = make_issue()
    revision = make_revision(issue)

    assert admin_client.get(reverse("admin:newsletter_revision_add")).status_code == 403
    change_url = reverse("admin:newsletter_revision_change", args=[revision.pk])
    assert admin_client.post(change_url, {"number": 9}).status_code == 403
    delete_url = reverse("admin:newsletter_revision_delete", args=[revision.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Revision.objects.get(pk=revision.pk).number == 1

    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert 'name="number"' not in page.text


def test_revision_snapshot_is_shown_pretty_printed(editor_client, make_issue):
    issue = make_issue(title="Tokens & <tags>")
    revision = make_revision(issue)

    html = editor_client.get(reverse("admin:newsletter_revision_change", args=[revision.pk])).text

    assert '<pre class="snapshot">{\n  &quot;issue&quot;: {\n' in html
    assert "Tokens &amp; &lt;tags&gt;" in html
    assert "<textarea" not in html


def test_revision_list_filters_by_publication(editor_client, make_issue):
    from django.utils import timezone

    live = make_revision(make_issue(number=1), go_live_at=timezone.now())
    draft = make_revision(make_issue(number=2))
    url = reverse("admin:newsletter_revision_changelist")

    assert list(editor_client.get(url, {"publication": "live"}).context["cl"].result_list) == [live]
    assert list(editor_client.get(url, {"publication": "never"}).context["cl"].result_list) == [
        draft
    ]


# Performance -------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", ["issue", "section", "image", "revision"])
def test_list_pages_do_not_query_once_per_row(editor_client, editor, make_issue, model):
    url = reverse(f"admin:newsletter_{model}_changelist")

    def add_rows(numbers):
        for number in numbers:
            issue = make_issue(number=number, updated_by=editor)
            make_revision(issue, created_by=editor)
            make_image(uploaded_by=editor)

    add_rows(range(1, 4))
    few = _queries(editor_client, url)
    add_rows(range(4, 11))
    many = _queries(editor_client, url)

    assert many == few


def test_paper_fields_are_all_editable_in_the_section(editor_client, make_issue):
    issue = make_issue()
    papers = issue.sections.get(title="Papers & research")
    url = reverse("admin:newsletter_section_change", args=[papers.pk])
    data = form_data(editor_client.get(url))
    data.update({"papers-0-code_url": "https://github.com/example/transformer"})

    assert editor_client.post(url, data).status_code == 302
    assert Paper.objects.get().code_url == "https://github.com/example/transformer"


def test_sections_cannot_be_added_outside_their_issue(editor_client):
    assert editor_client.get(reverse("admin:newsletter_section_add")).status_code == 403
    assert Section.objects.count() == 0
