"""Hostile and awkward uploads through the real upload paths: the admin's image form and the
markdown editor's upload endpoint. Each is refused with a clear message (never a 500,
nothing stored) or stored as a safe re-encoding: no stored file, original or rendition,
keeps a script, an archive or a location, and each is served as an image with nosniff.
"""

import html
import io

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from PIL import ExifTags
from PIL import Image as PILImage

from newsletter.models import Image
from tests.helpers.hostile_uploads import CORPUS, Vector
from tests.helpers.images import upload, with_renditions

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.media_urls")]

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
ALT = "A picture uploaded to test the pipeline"


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def stored_files(folder=""):
    """Every name in the default storage, through the storage API."""
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:  # nothing was ever stored
        return []
    names = [f"{folder}/{name}".lstrip("/") for name in files]
    for directory in directories:
        names += stored_files(f"{folder}/{directory}".lstrip("/"))
    return names


def through_admin(client, vector: Vector, data: bytes):
    response = client.post(
        reverse("admin:newsletter_image_add"),
        {"file": upload(data, vector.filename), "alt_text": ALT, "caption": "", "credit": ""},
    )
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        return html.unescape(response.content.decode())
    return None


def through_editor(client, vector: Vector, data: bytes):
    response = client.post(reverse("markdownx_upload"), {"image": upload(data, vector.filename)})
    assert response["Content-Type"] == "application/json"
    if response.status_code == 400:
        return " ".join(response.json()["image"])
    assert response.status_code == 200, response.status_code
    assert response.json()["image_code"].startswith("![")
    return None


PATHS = {"admin form": through_admin, "editor upload": through_editor}


def location_free(raw: bytes, picture: PILImage.Image):
    assert not picture.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.GPSInfo not in picture.getexif()
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment"} & set(picture.info)
    assert b"GPS" not in raw


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("vector", CORPUS, ids=[v.name for v in CORPUS])
def test_a_hostile_upload_is_refused_clearly_or_stored_safely(
    editor_client, admin_user, vector, path
):
    data = vector.make()

    refusal = PATHS[path](editor_client, vector, data)

    if vector.refused:
        assert refusal is not None, f"{vector.name} was accepted"
        assert vector.refused in refusal
        assert not Image.objects.exists()
        assert stored_files() == []
        return
    assert refusal is None, refusal
    image = Image.objects.get()
    assert image.stored_names() == [image.file.name]  # the renditions are background work
    names = with_renditions(image).stored_names()
    assert sorted(names) == sorted(stored_files())  # nothing else was left behind
    assert len(names) >= 2  # the original and at least one rendition
    staff = Client()
    staff.force_login(admin_user)
    for name in names:
        raw = default_storage.open(name).read()
        picture = PILImage.open(io.BytesIO(raw))
        picture.load()
        is_original = name == image.file.name
        # Renditions are WebP, and the email's JPEG or PNG (their entries say which).
        formats = {r["name"]: r.get("format", "webp").upper() for r in image.renditions}
        assert picture.format == (vector.stored if is_original else formats[name])
        location_free(raw, picture)
        for secret in vector.secrets:
            assert secret not in raw, (name, secret)
        if is_original:
            for check in vector.checks:
                check(picture)
        else:
            for check in vector.rendition_checks:
                check(picture)
        response = staff.get(default_storage.url(name))
        assert response.status_code == 200
        assert response["Content-Type"] == CONTENT_TYPES[picture.format]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == raw


def test_the_corpus_covers_every_vector_once():
    names = [vector.name for vector in CORPUS]
    assert len(names) == len(set(names)) == 25
    assert sum(1 for v in CORPUS if v.refused) == 11
