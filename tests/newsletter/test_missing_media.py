"""Media files that go missing (deleted from the disk or the bucket) do not break a page:
every page that shows the picture still answers 200 and keeps its alt text, so the
browser shows the words in place of the picture."""

import shutil

import pytest
from django.urls import reverse

from newsletter.content import images
from newsletter.models import Image, Issue, Item, Revision
from tests.helpers.images import image_bytes, upload
from tests.helpers.workflow import publish

ALT = "A loss curve falling"


@pytest.fixture
def issue_without_its_files(make_issue, media_in_tmp):
    """A published issue whose hero, entry picture and in-text figure lost their files."""
    picture = images.ingest(upload(image_bytes(size=(1000, 600)), "curve.png"), alt_text=ALT)
    issue = make_issue(number=4, hero_image=picture)
    item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
    item.image = picture
    item.body = f"The curve: ![{ALT}]({picture.file.url})"
    item.save()
    publish(issue)
    names = [picture.file.name, *(r["name"] for r in picture.renditions)]
    assert all((media_in_tmp / name).exists() for name in names)
    shutil.rmtree(media_in_tmp)
    return Issue.objects.get(pk=issue.pk), picture


def public_paths(issue):
    revision = Revision.objects.live().get(issue=issue)
    page = revision.get_absolute_url()
    return [
        "/",
        "/issues/",
        page,
        page + "email/",
        page + "email.txt",
        "/feed/rss/",
        "/feed/atom/",
        f"/api/issues/{issue.number}/",
    ]


def test_public_pages_feeds_and_the_email_edition_still_serve_with_the_alt_text(
    client, issue_without_its_files
):
    issue, _picture = issue_without_its_files
    for path in public_paths(issue):
        response = client.get(path)
        assert response.status_code == 200, path
    page = client.get(public_paths(issue)[2]).content.decode()
    assert page.count(f'alt="{ALT}"') >= 2  # the entry's picture and the in-text figure
    email = client.get(public_paths(issue)[3]).content.decode()
    assert f'alt="{ALT}"' in email


def test_the_missing_file_itself_is_a_404_not_an_error(client, issue_without_its_files, settings):
    _issue, picture = issue_without_its_files
    if not settings.SERVE_MEDIA:
        pytest.skip("media is not served by the app in these settings")

    assert client.get(picture.file.url).status_code == 404


def test_the_admin_pages_showing_the_picture_still_work(admin_client, issue_without_its_files):
    issue, picture = issue_without_its_files
    revision = Revision.objects.live().get(issue=issue)
    paths = [
        reverse("admin:newsletter_issue_changelist"),
        reverse("admin:newsletter_issue_change", args=[issue.pk]),
        reverse("admin:newsletter_image_changelist"),
        reverse("admin:newsletter_image_change", args=[picture.pk]),
        reverse("admin:newsletter_revision_change", args=[revision.pk]),
        reverse("admin:newsletter_revision_email", args=[revision.pk, "html"]),
    ]
    for path in paths:
        assert admin_client.get(path).status_code == 200, path


def test_the_words_of_a_picture_whose_file_is_gone_can_still_be_edited(
    admin_client, issue_without_its_files
):
    _issue, picture = issue_without_its_files
    url = reverse("admin:newsletter_image_change", args=[picture.pk])

    response = admin_client.post(
        url,
        {"alt_text": "A loss curve, falling fast", "caption": "", "credit": "", "credit_url": ""},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    alt_text = Image.objects.values_list("alt_text", flat=True).get(pk=picture.pk)
    assert alt_text == "A loss curve, falling fast"
