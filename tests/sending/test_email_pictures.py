"""Pictures in the emailed issue are JPEG, or PNG where they have transparency: desktop
Outlook shows no WebP. Real uploads through the pipeline, a real send to a real SMTP
server, the pictures read back through the storage API."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from newsletter.content.images import ingest
from newsletter.email_edition.edition import email_html
from newsletter.models import Item, Revision
from sending.models import Send
from tests.helpers.images import gradient, image_bytes, upload
from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)

IMG = re.compile(r"<img\b[^>]*>")
ATTR = re.compile(r'([a-z-]+)="([^"]*)"')


def transparent_png(size=(800, 600)) -> bytes:
    picture = gradient(size, "RGBA")
    picture.putalpha(PILImage.linear_gradient("L").resize(size))  # see-through at the top
    return image_bytes("PNG", image=picture)


@pytest.fixture
def pictured_issue(make_issue):
    hero = ingest(upload(image_bytes("WEBP", size=(1600, 900)), "hero.webp"), alt_text="Hero")
    logo = ingest(upload(transparent_png(), "logo.png"), alt_text="A see-through logo")
    chart = ingest(
        upload(image_bytes("JPEG", size=(1400, 700)), "chart.jpg", "image/jpeg"),
        alt_text="A chart",
    )
    issue = make_issue(hero_image=hero)
    item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
    item.image = logo
    item.body = f"Loss fell: ![a chart]({chart.file.url})."
    item.save()
    return issue


def pictures(document: str) -> list[dict]:
    return [dict(ATTR.findall(tag)) for tag in IMG.findall(document)]


def stored(src: str) -> PILImage.Image:
    """The picture an absolute media URL names, opened from storage."""
    path = urlsplit(src).path
    assert path.startswith(settings.MEDIA_URL)
    with default_storage.open(path[len(settings.MEDIA_URL) :], "rb") as file:
        picture = PILImage.open(io.BytesIO(file.read()))
        picture.load()
    return picture


def test_a_sent_issue_shows_jpeg_and_png_pictures_and_no_webp(
    pictured_issue, people, smtp_server, immediate_tasks
):
    subscriber("ada@example.com")
    publish_and_email(pictured_issue, people)
    assert Send.objects.get().state == "done"
    (message,) = smtp_server.to("ada@example.com")

    assert ".webp" not in message.as_string().lower()
    document = message.get_body(("html",)).get_content()
    hero, logo, chart = pictures(document)
    for picture in (hero, logo, chart):
        assert picture["src"].startswith("https://news.example.com/media/renditions/")
        assert picture["alt"] and int(picture["width"]) <= 600 and int(picture["height"]) > 0
    assert (hero["width"], hero["height"]) == ("600", "338")
    assert (logo["width"], logo["height"]) == ("600", "450")
    assert (chart["width"], chart["height"]) == ("600", "300")

    assert stored(hero["src"]).format == "JPEG"  # a WebP upload, mailed as JPEG
    assert stored(hero["src"]).size == (1200, 675)  # sharp on a 2x screen at 600 px
    assert stored(chart["src"]).format == "JPEG"
    see_through = stored(logo["src"])
    assert see_through.format == "PNG" and see_through.mode == "RGBA"
    assert see_through.getchannel("A").getextrema()[0] < 255  # transparency kept


def test_a_revision_frozen_before_email_renditions_still_mails_no_webp(
    pictured_issue, people, smtp_server, immediate_tasks
):
    publish_and_email(pictured_issue, people)
    current = Revision.objects.get(issue=pictured_issue)
    old = current.snapshot
    old["schema"] = 1
    old["issue"]["hero_image"].pop("email_renditions")
    for section in old["sections"]:
        for entry in section["entries"]:
            if entry.get("image"):
                entry["image"].pop("email_renditions")
    frozen_before = Revision.objects.create(issue=pictured_issue, number=2, snapshot=old)

    document = email_html(frozen_before, base="https://news.example.com")

    assert ".webp" not in document
    hero, logo, chart = pictures(document)
    # A WebP original: the email rendition its Image has now.
    assert stored(hero["src"]).format == "JPEG"
    # A PNG original is shown as it is; so is a JPEG one.
    assert logo["src"].startswith("https://news.example.com/media/images/")
    assert stored(logo["src"]).format == "PNG"
    assert stored(chart["src"]).format == "JPEG"
