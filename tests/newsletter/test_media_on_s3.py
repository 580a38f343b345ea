"""Media in an S3-compatible bucket (MEDIA_S3_*): a real S3 server on loopback (moto's),
reached through django-storages and boto3 as a provider would be.

An upload through the editor lands in the bucket with its renditions; the published page
points at the bucket and every address on it serves the bytes; a picture a live page shows
cannot be deleted; deleting one nobody shows removes its objects; an object that went
missing leaves the page standing with its alt text.
"""

import re

import pytest
from django.db.models import ProtectedError
from django.test import Client

from config.media_storage import IMMUTABLE, s3_media
from newsletter.content import images
from newsletter.models import Image, Item, Revision
from tests.helpers.images import image_bytes, upload, with_renditions
from tests.helpers.s3 import REGION, bucket, fetch, s3_server, use_bucket  # noqa: F401
from tests.helpers.servers import free_port
from tests.helpers.settings_env import settings_from
from tests.helpers.workflow import publish

UPLOAD_URL = "/admin/markdownx/upload/"
_URLS = re.compile(r'(?:src|href)="([^"]+)"|srcset="([^"]+)"')


def urls_in(page: str) -> set[str]:
    found = set()
    for src, srcset in _URLS.findall(page):
        if src:
            found.add(src.replace("&amp;", "&"))
        for candidate in (srcset or "").split(","):
            if candidate.strip():
                found.add(candidate.split()[0])
    return found


@pytest.fixture
def staff_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def in_bucket(bucket, settings):  # noqa: F811
    env = {
        "MEDIA_S3_BUCKET": bucket.name,
        "MEDIA_S3_ENDPOINT_URL": bucket.endpoint,
        "MEDIA_S3_REGION": REGION,
    }
    use_bucket(settings, env)
    return bucket


def dropped_in_the_editor(staff_client, name="loss-curve.png", size=(1200, 700)):
    """The markdown the editor's drag-and-drop upload returns, and the Image it made, once
    a worker has made its renditions (in the bucket too)."""
    response = staff_client.post(UPLOAD_URL, {"image": upload(image_bytes(size=size), name)})
    assert response.status_code == 200, response.content
    return response.json()["image_code"], with_renditions(Image.objects.latest("id"))


def page_renditions(image: Image) -> list[dict]:
    """The WebP renditions pages show (the JPEG ones are for the email edition)."""
    return [r for r in image.renditions if r.get("format", "webp") == "webp"]


def stored_names(image: Image) -> list[str]:
    return [image.file.name, *(r["name"] for r in image.renditions)]


def test_an_editor_upload_is_stored_in_the_bucket_with_its_renditions(staff_client, in_bucket):
    code, image = dropped_in_the_editor(staff_client)

    assert set(stored_names(image)) <= in_bucket.names()
    assert [r["width"] for r in page_renditions(image)] == [480, 960]  # never upscaled
    rendition = in_bucket.head(page_renditions(image)[0]["name"])
    assert rendition["ContentType"] == "image/webp"
    assert rendition["CacheControl"] == IMMUTABLE
    # The markdown points at the bucket's public address, not at /media/ on the site.
    assert code.endswith(f"({in_bucket.endpoint}/{in_bucket.name}/{image.file.name})")


def test_the_same_file_name_twice_is_two_objects_never_one_overwritten(staff_client, in_bucket):
    _code, first = dropped_in_the_editor(staff_client, "photo.png", size=(300, 200))
    _code, second = dropped_in_the_editor(staff_client, "photo.png", size=(301, 200))

    assert first.file.name != second.file.name
    assert {first.file.name, second.file.name} <= in_bucket.names()


def test_the_published_page_shows_figures_from_the_bucket_and_they_serve_the_bytes(
    client, staff_client, in_bucket, make_issue
):
    code, image = dropped_in_the_editor(staff_client)
    issue = make_issue(number=7, hero_image=image)
    item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
    item.body = f"How the loss fell:\n\n{code}"
    item.save()
    publish(issue)

    revision = Revision.objects.live().get(issue=issue)
    assert image.pk in revision.content.image_ids  # the markdown picture was recognised
    page = client.get(revision.get_absolute_url()).content.decode()
    assert page.count("<figure") >= 2  # the hero, and the picture written in markdown
    ours = {url for url in urls_in(page) if url.startswith(f"{in_bucket.endpoint}/")}
    base = f"{in_bucket.endpoint}/{in_bucket.name}"
    renditions = {f"{base}/{r['name']}" for r in page_renditions(image)}
    assert renditions <= ours
    assert "/media/" not in page
    for url in ours:
        status, body = fetch(url)
        name = url.removeprefix(f"{in_bucket.endpoint}/{in_bucket.name}/")
        stored = in_bucket.client.get_object(Bucket=in_bucket.name, Key=name)["Body"].read()
        assert status == 200, url
        assert body == stored and len(body) > 100


def test_a_custom_domain_is_the_address_of_every_picture_and_is_recognised_as_ours(
    client,
    staff_client,
    bucket,  # noqa: F811
    settings,
    make_issue,
):
    # The CDN in front of the bucket: here another spelling of the same server, so that
    # its addresses can be fetched too.
    cdn = bucket.endpoint.replace("127.0.0.1", "localhost") + f"/{bucket.name}"
    use_bucket(
        settings,
        {
            "MEDIA_S3_BUCKET": bucket.name,
            "MEDIA_S3_ENDPOINT_URL": bucket.endpoint,
            "MEDIA_S3_CUSTOM_DOMAIN": cdn,
        },
    )
    code, image = dropped_in_the_editor(staff_client)
    issue = make_issue(number=8, summary=code)
    publish(issue)

    page = client.get(Revision.objects.live().get(issue=issue).get_absolute_url()).content.decode()
    assert "<figure" in page and 'srcset="' in page
    cdn_urls = {url for url in urls_in(page) if url.startswith(cdn + "/")}
    assert {f"{cdn}/{r['name']}" for r in page_renditions(image)} <= cdn_urls
    assert all(fetch(url)[0] == 200 for url in cdn_urls)
    with pytest.raises(ProtectedError):
        images.delete_image(image)


def test_a_picture_a_live_page_shows_keeps_its_objects(staff_client, in_bucket, make_issue):
    code, image = dropped_in_the_editor(staff_client)
    issue = make_issue(number=9)
    Item.objects.filter(section__issue=issue, title="A tiny eval harness").update(body=code)
    publish(issue)

    with pytest.raises(ProtectedError):
        images.delete_image(image)

    assert Image.objects.filter(pk=image.pk).exists()
    assert set(stored_names(image)) <= in_bucket.names()


def test_deleting_a_picture_nobody_shows_removes_its_objects(
    staff_client, in_bucket, django_capture_on_commit_callbacks
):
    _code, image = dropped_in_the_editor(staff_client)
    _code, other = dropped_in_the_editor(staff_client, "other.png", size=(500, 300))

    with django_capture_on_commit_callbacks(execute=True):
        images.delete_image(image)

    assert not set(stored_names(image)) & in_bucket.names()
    assert set(stored_names(other)) <= in_bucket.names()


def test_an_object_missing_from_the_bucket_leaves_the_pages_standing(
    client, admin_client, staff_client, in_bucket, make_issue
):
    code, image = dropped_in_the_editor(staff_client)
    issue = make_issue(number=10, hero_image=image)
    Item.objects.filter(section__issue=issue, title="A tiny eval harness").update(body=code)
    publish(issue)
    for name in stored_names(image):
        in_bucket.delete(name)
    assert not in_bucket.names()

    revision = Revision.objects.live().get(issue=issue)
    page = revision.get_absolute_url()
    for path in ["/", page, page + "email/", "/feed/atom/", f"/api/issues/{issue.number}/"]:
        assert client.get(path).status_code == 200, path
    assert f'alt="{image.alt_text}"' in client.get(page).content.decode()
    assert fetch(image.file.url)[0] == 404  # the reader's browser shows the alt text
    for path in [
        f"/admin/newsletter/image/{image.pk}/change/",
        "/admin/newsletter/image/",
        f"/admin/newsletter/issue/{issue.pk}/change/",
    ]:
        assert admin_client.get(path).status_code == 200, path


def settings_with(**env) -> dict:
    return settings_from(
        "{'media_url': settings.MEDIA_URL, 'default': settings.STORAGES['default'],"
        " 'serve_media': settings.SERVE_MEDIA, 'img_src': settings.SECURE_CSP['img-src']}",
        **env,
    )


def test_without_a_bucket_uploads_stay_on_the_local_disk():
    found = settings_with()
    assert found["media_url"] == "/media/"
    assert found["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["serve_media"] is True  # development serves its own uploads


def test_the_environment_configures_the_bucket_its_address_and_the_csp():
    found = settings_with(
        MEDIA_S3_BUCKET="newsletter-media",
        MEDIA_S3_REGION="eu-west-2",
        MEDIA_S3_CUSTOM_DOMAIN="media.example.com",
        MEDIA_S3_LOCATION="uploads",
    )
    options = found["default"]["OPTIONS"]
    assert found["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert found["media_url"] == "https://media.example.com/uploads/"
    assert options["bucket_name"] == "newsletter-media"
    assert options["region_name"] == "eu-west-2"
    assert options["querystring_auth"] is False
    assert options["file_overwrite"] is False
    assert found["serve_media"] is False
    assert "https://media.example.com" in found["img_src"]


def test_amazon_s3_without_a_custom_domain_is_addressed_by_the_bucket_host():
    media = s3_media({"MEDIA_S3_BUCKET": "news", "MEDIA_S3_REGION": "eu-west-2"})
    assert media.media_url == "https://news.s3.eu-west-2.amazonaws.com/"
    assert "endpoint_url" not in media.storage["OPTIONS"]


def test_a_custom_domain_that_is_no_address_is_refused_at_start():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="MEDIA_S3_CUSTOM_DOMAIN"):
        s3_media({"MEDIA_S3_BUCKET": "news", "MEDIA_S3_CUSTOM_DOMAIN": "ftp://media.example"})


def test_an_upload_while_the_bucket_cannot_be_written_is_refused_with_a_clear_message(
    staff_client, in_bucket, settings
):
    use_bucket(
        settings, {"MEDIA_S3_BUCKET": "no-such-bucket", "MEDIA_S3_ENDPOINT_URL": in_bucket.endpoint}
    )

    response = staff_client.post(UPLOAD_URL, {"image": upload(image_bytes(size=(600, 400)))})

    assert response.status_code == 503  # the storage's fault, not the picture's
    assert "could not be stored" in response.json()["image"][0]
    assert not Image.objects.exists()


def test_deleting_a_picture_while_the_bucket_cannot_be_reached_still_deletes_it(
    admin_client, staff_client, in_bucket, settings, django_capture_on_commit_callbacks, caplog
):
    _code, image = dropped_in_the_editor(staff_client)
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    use_bucket(
        settings, {"MEDIA_S3_BUCKET": in_bucket.name, "MEDIA_S3_ENDPOINT_URL": nobody_listens}
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/newsletter/image/{image.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Image.objects.filter(pk=image.pk).exists()
    assert "Could not remove" in caplog.text  # left in the bucket, and said so
    assert set(stored_names(image)) <= in_bucket.names()
