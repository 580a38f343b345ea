"""Uploads served by the site: readers get only what a live revision shows, staff all of it."""

import importlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import clear_url_caches, resolve
from django.utils import timezone
from PIL import Image as PILImage

from newsletter.content import images
from newsletter.models import Revision
from newsletter.reader import media
from tests.helpers.images import image_bytes, upload
from tests.helpers.workflow import publish

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.media_urls")]

ALT = "A lighthouse at dusk above a calm sea"


@pytest.fixture
def picture():
    photo = PILImage.new("RGB", (1000, 600), "navy")
    return images.ingest(upload(image_bytes("JPEG", image=photo), "image.jpg"), alt_text=ALT)


def addresses(image):
    return [image.file.url, *(r.url for r in image.rendition_list())]


def assert_served(response, content_type):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)


def test_a_picture_no_revision_shows_is_a_404_to_readers(client, picture, make_issue):
    make_issue(hero_image=picture)  # in the draft only
    for address in addresses(picture):
        assert client.get(address).status_code == 404, address


def test_staff_see_a_draft_picture_for_previews(client, editor, picture, make_issue):
    make_issue(hero_image=picture)
    client.force_login(editor)
    for address in addresses(picture):
        response = client.get(address)
        assert_served(response, "image/webp" if address.endswith(".webp") else "image/jpeg")
        assert "private" in response["Cache-Control"]
        assert "no-store" in response["Cache-Control"]


def test_a_live_issues_pictures_are_public_with_an_image_type_and_nosniff(
    client, picture, published, django_assert_num_queries
):
    published(hero_image=picture)
    original = default_storage.open(picture.file.name).read()

    with django_assert_num_queries(1):
        response = client.get(picture.file.url)
    assert assert_served(response, "image/jpeg") == original
    assert "public" in response["Cache-Control"]
    for rendition in picture.rendition_list():
        assert_served(client.get(rendition.url), "image/webp")


def test_a_scheduled_issues_pictures_stay_hidden_until_it_goes_live(client, picture, make_issue):
    issue = make_issue(hero_image=picture)
    publish(issue, at=timezone.now() + timedelta(days=2))
    for address in addresses(picture):
        assert client.get(address).status_code == 404, address


def test_an_issue_taken_down_takes_its_pictures_with_it(client, picture, published):
    issue = published(hero_image=picture, at=timezone.now() - timedelta(hours=1))
    assert client.get(picture.file.url).status_code == 200

    Revision.objects.filter(issue=issue).update(ends_at=timezone.now() - timedelta(seconds=1))

    for address in addresses(picture):
        assert client.get(address).status_code == 404, address


def test_a_deleted_pictures_address_is_a_404_even_for_staff(
    client, admin_user, picture, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        picture.delete()
    for address in addresses(picture):
        assert client.get(address).status_code == 404, address


def test_a_file_of_no_image_is_hidden_from_readers_and_a_non_image_from_everyone(
    client, admin_user
):
    default_storage.save("images/ab/stray.png", ContentFile(image_bytes("PNG")))
    default_storage.save("images/ab/page.html", ContentFile(b"<script>alert(1)</script>"))
    assert client.get("/media/images/ab/stray.png").status_code == 404

    client.force_login(admin_user)
    assert_served(client.get("/media/images/ab/stray.png"), "image/png")
    assert client.get("/media/images/ab/page.html").status_code == 404
    assert client.get("/media/images/ab/../ab/stray.png").status_code == 404
    assert client.get("/media/images/ab/missing.png").status_code == 404


def test_production_settings_serve_media_through_the_gated_view(settings):
    """With DEBUG off, DJANGO_SERVE_MEDIA (the docker-compose default) mounts the gated
    view; Django's static() would mount nothing and leave /media/ unanswered."""
    import config.urls

    serve_media = settings.SERVE_MEDIA
    settings.DEBUG, settings.SERVE_MEDIA = False, True
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        assert resolve("/media/images/ab/x.png", urlconf=config.urls).func is media.serve
    finally:
        settings.SERVE_MEDIA = serve_media
        importlib.reload(config.urls)
        clear_url_caches()
