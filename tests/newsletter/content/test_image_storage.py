"""Stored names of pictures cannot be guessed, and a deleted picture leaves no file behind."""

import re
from datetime import timedelta
from pathlib import PurePosixPath

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from newsletter.content import images
from newsletter.models import Image
from tests.helpers.images import image_bytes, upload, with_renditions
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

ALT = "A coloured rectangle pasted from the clipboard"

ORIGINAL = re.compile(r"images/([0-9a-f]{2})/(\1[0-9a-f]{30})\.png")
RENDITION = re.compile(r"renditions/([0-9a-f]{2})/(\1[0-9a-f]{30})-(\d+)w\.(webp|jpg|png)")


def pasted(colour):
    """A picture pasted from the clipboard: every browser calls it image.png."""
    picture = PILImage.new("RGB", (1000, 500), colour)
    return with_renditions(
        images.ingest(
            upload(image_bytes("PNG", image=picture), "image.png"),
            alt_text=ALT,
        )
    )


def test_a_pasted_picture_gets_a_random_name_with_128_bits_and_no_date():
    first, second = pasted("red"), pasted("blue")

    for image in (first, second):
        match = ORIGINAL.fullmatch(image.file.name)
        assert match, image.file.name
        token = match.group(2)
        assert len(token) * 4 == 128
        for rendition in image.renditions:
            r_match = RENDITION.fullmatch(rendition["name"])
            assert r_match, rendition["name"]
            assert r_match.group(2) == token  # the renditions share the original's token
    assert first.file.name != second.file.name
    assert "image" not in PurePosixPath(first.file.name).name


def test_the_stored_name_does_not_come_from_the_upload_name():
    image = with_renditions(
        images.ingest(
            upload(image_bytes("PNG"), "2026-board-minutes.png"),
            alt_text=ALT,
        )
    )
    assert "board" not in image.file.name and "2026" not in image.file.name


def stored_names(image):
    names = image.stored_names()
    assert len(names) >= 2 and all(default_storage.exists(n) for n in names)
    return names


def test_deleting_a_picture_in_the_admin_removes_its_file_and_renditions(
    admin_client, django_capture_on_commit_callbacks
):
    image = with_renditions(
        images.ingest(
            upload(image_bytes("JPEG", size=(1000, 500)), "a.jpg"),
            alt_text=ALT,
        )
    )
    names = stored_names(image)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:newsletter_image_delete", args=[image.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert not Image.objects.exists()
    assert not any(default_storage.exists(n) for n in names)


def test_the_admins_bulk_delete_removes_every_file_of_every_picture(
    admin_client, django_capture_on_commit_callbacks
):
    pictures = [pasted("red"), pasted("green")]
    names = [n for image in pictures for n in stored_names(image)]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:newsletter_image_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [p.pk for p in pictures],
                "post": "yes",
            },
        )

    assert response.status_code == 302
    assert not Image.objects.exists()
    assert not any(default_storage.exists(n) for n in names)


def test_a_deletion_rolled_back_keeps_the_files(django_capture_on_commit_callbacks):
    image = pasted("red")
    names = stored_names(image)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        Image.objects.get(pk=image.pk).delete()
        raise RuntimeError("changed my mind")

    assert Image.objects.filter(pk=image.pk).exists()
    assert all(default_storage.exists(n) for n in names)


@pytest.mark.parametrize("when", ["live", "scheduled"])
def test_the_admin_refuses_to_delete_a_picture_a_revision_shows_and_keeps_its_files(
    admin_client, make_issue, django_capture_on_commit_callbacks, when
):
    image = pasted("red")
    names = stored_names(image)
    issue = make_issue(hero_image=image)
    publish(issue, at=None if when == "live" else timezone.now() + timedelta(days=3))
    issue.hero_image = None  # only the revision still shows it
    issue.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:newsletter_image_delete", args=[image.pk]), {"post": "yes"}
        )

    assert response.status_code == 200
    assert "would require deleting the following protected" in response.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()
    assert all(default_storage.exists(n) for n in names)
