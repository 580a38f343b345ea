"""A storage that cannot take an upload (a full disk) loses nothing and says so; nor does
one that cannot take its renditions, made in the background or at the latest by the submit,
which then says so. Publishing pictures whose renditions are made writes no file at all, so
a read-only storage cannot stop it.
"""

import html

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from editorial.workflow import TransitionNotAllowed
from newsletter.content import images, renditions
from newsletter.content.rendition_tasks import make_renditions
from newsletter.models import Image, Revision
from tests.helpers.images import image_bytes, upload, with_renditions
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

FULL = "tests.helpers.storages.FullDiskStorage"
FULL_FROM_THE_START = "tests.helpers.storages.FullFromTheStartStorage"
READ_ONLY = "tests.helpers.storages.ReadOnlyStorage"
MESSAGE = "The picture could not be stored: the site's file storage is full or unavailable."
ALT = "A line chart of training loss falling over ten epochs"


def use_storage(settings, backend):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend}}


def stored_files(folder=""):
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}".lstrip("/") for name in files]
    for directory in directories:
        names += stored_files(f"{folder}/{directory}".lstrip("/"))
    return sorted(names)


@pytest.fixture
def earlier_picture():
    """A picture stored before the disk filled up: it must come through untouched."""
    return with_renditions(
        images.ingest(upload(image_bytes("JPEG", size=(1000, 500)), "a.jpg"), alt_text=ALT)
    )


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def picture_upload():
    return upload(image_bytes("PNG", size=(1200, 600)), "chart.png")


@pytest.mark.parametrize("backend", [FULL_FROM_THE_START])
def test_an_admin_upload_the_disk_cannot_take_is_a_field_error_and_leaves_nothing(
    settings, editor_client, earlier_picture, backend
):
    before = stored_files()
    use_storage(settings, backend)

    response = editor_client.post(
        reverse("admin:newsletter_image_add"),
        {"file": picture_upload(), "alt_text": ALT, "caption": "Loss by epoch", "credit": "Us"},
    )

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert MESSAGE in page
    # Everything typed is still in the form, to send again once there is room.
    assert f'value="{ALT}"' in page and 'value="Loss by epoch"' in page
    assert list(Image.objects.all()) == [earlier_picture]
    assert stored_files() == before  # no original, no rendition left behind
    assert sorted(earlier_picture.stored_names()) == before


@pytest.mark.parametrize("backend", [FULL_FROM_THE_START])
def test_an_editor_drop_the_disk_cannot_take_is_a_503_with_the_reason(
    settings, editor_client, earlier_picture, backend
):
    before = stored_files()
    use_storage(settings, backend)

    response = editor_client.post(reverse("markdownx_upload"), {"image": picture_upload()})

    assert response.status_code == 503
    assert response.json() == {"image": [images._storage_failed().messages[0]]}
    assert MESSAGE in response.json()["image"][0]
    assert list(Image.objects.all()) == [earlier_picture]
    assert stored_files() == before


def test_once_there_is_room_the_same_upload_goes_through(settings, editor_client):
    use_storage(settings, FULL_FROM_THE_START)
    refused = editor_client.post(reverse("markdownx_upload"), {"image": picture_upload()})
    assert refused.status_code == 503
    assert not Image.objects.exists()

    use_storage(settings, "django.core.files.storage.FileSystemStorage")
    response = editor_client.post(reverse("markdownx_upload"), {"image": picture_upload()})

    assert response.status_code == 200
    image = Image.objects.get()
    assert sorted(image.stored_names()) == stored_files()


def test_publishing_writes_and_deletes_no_file(settings, make_issue, earlier_picture):
    issue = make_issue(hero_image=earlier_picture)
    before = stored_files()
    use_storage(settings, READ_ONLY)  # any write or deletion would raise

    publish(issue)

    assert Revision.objects.live().filter(issue=issue).exists()
    assert stored_files() == before


def test_a_storage_that_cannot_take_renditions_takes_the_upload_and_the_task_retries(
    settings, editor_client
):
    use_storage(settings, FULL)  # the renditions/ folder is full
    response = editor_client.post(reverse("markdownx_upload"), {"image": picture_upload()})
    assert response.status_code == 200
    image = Image.objects.get()

    assert make_renditions.call(image.pk) == "retrying"
    assert Image.objects.get(pk=image.pk).renditions == []
    assert stored_files() == [image.file.name]  # no rendition left half made


def test_a_submit_whose_renditions_the_storage_cannot_take_is_refused_and_says_why(
    settings, make_issue, editor
):
    picture = images.ingest(upload(image_bytes("PNG", size=(1200, 600)), "c.png"), alt_text=ALT)
    issue = make_issue(hero_image=picture)
    use_storage(settings, FULL)

    with pytest.raises(TransitionNotAllowed, match="renditions could not be made"):
        publish(issue)

    assert not Revision.objects.filter(issue=issue).exists()
    assert renditions.pending().get() == picture
    assert stored_files() == [picture.file.name]
