"""The markdown editor's live preview and drag-and-drop upload: staff only, CSRF-checked."""

import pytest
from django.conf import settings
from django.test import Client

from newsletter.content import images
from newsletter.content.markdown import render
from newsletter.models import Image
from tests.helpers.images import image_bytes, upload, with_renditions

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/admin/markdownx/upload/"
MARKDOWNIFY_URL = "/admin/markdownx/markdownify/"
CSRF_SECRET = "k" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user(username="rory", password="correct horse 1")


@pytest.fixture
def staff_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def png_upload(name="team-photo_2024.png"):
    return upload(image_bytes("PNG", size=(640, 360)), name)


def test_an_anonymous_visitor_cannot_upload_and_nothing_is_stored(client, media_in_tmp):
    response = client.post(UPLOAD_URL, {"image": png_upload()})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Image.objects.count() == 0
    assert not (media_in_tmp / "images").exists()


def test_a_logged_in_reader_who_is_not_staff_cannot_upload(client, reader):
    client.force_login(reader)

    response = client.post(UPLOAD_URL, {"image": png_upload()})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Image.objects.count() == 0


def test_an_anonymous_visitor_cannot_use_the_markdown_preview(client):
    response = client.post(MARKDOWNIFY_URL, {"content": "**hello**"})

    assert response.status_code == 302
    assert b"<strong>" not in response.content


def test_an_upload_without_a_csrf_token_is_forbidden_even_for_staff(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    response = client.post(UPLOAD_URL, {"image": png_upload()})

    assert response.status_code == 403
    assert Image.objects.count() == 0


def test_a_preview_without_a_csrf_token_is_forbidden_even_for_staff(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    assert client.post(MARKDOWNIFY_URL, {"content": "hi"}).status_code == 403


def test_an_upload_with_a_csrf_token_is_accepted(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET

    response = client.post(
        UPLOAD_URL, {"image": png_upload()}, headers={"X-CSRFToken": CSRF_SECRET}
    )

    assert response.status_code == 200
    assert Image.objects.count() == 1


def test_the_endpoints_answer_only_post(staff_client):
    assert staff_client.get(UPLOAD_URL).status_code == 405
    assert staff_client.get(MARKDOWNIFY_URL).status_code == 405


def test_a_staff_upload_of_a_png_returns_markdown_for_one_new_image(staff_client, editor):
    response = staff_client.post(UPLOAD_URL, {"image": png_upload("team-photo_2024.png")})

    assert response.status_code == 200
    image = Image.objects.get()
    assert response.json() == {"image_code": f"![Team photo 2024]({image.file.url})"}
    assert image.file.url.startswith(settings.MEDIA_URL + "images/")
    assert image.alt_text == "Team photo 2024"
    assert image.uploaded_by == editor
    assert image.renditions == []  # a worker makes them
    assert [r["width"] for r in with_renditions(image).stored_renditions()] == [480]


def test_the_markdown_returned_by_an_upload_renders_as_the_picture(staff_client):
    response = staff_client.post(UPLOAD_URL, {"image": png_upload()})
    image = Image.objects.get()

    html = render(response.json()["image_code"])

    assert f'src="{image.file.url}"' in html
    assert 'alt="Team photo 2024"' in html


def test_dropping_the_same_picture_twice_reuses_the_image(staff_client):
    first = staff_client.post(UPLOAD_URL, {"image": png_upload("one.png")}).json()
    second = staff_client.post(UPLOAD_URL, {"image": png_upload("two.png")}).json()

    assert first == second
    assert Image.objects.count() == 1


def test_a_reused_image_with_brackets_in_its_alt_text_still_gives_valid_markdown(staff_client):
    data = image_bytes("PNG")
    image = images.ingest(upload(data), alt_text="Figure [2] ] of the paper")

    response = staff_client.post(UPLOAD_URL, {"image": upload(data, "figure.png")})

    html = render(response.json()["image_code"])
    assert f'src="{image.file.url}"' in html
    assert 'alt="Figure [2] ] of the paper"' in html


def test_a_text_file_labelled_as_a_png_is_refused_with_a_clear_message(staff_client):
    fake = upload(b"GIF? PNG? No: plain text.", "photo.png", content_type="image/png")

    response = staff_client.post(UPLOAD_URL, {"image": fake})

    assert response.status_code == 400
    assert response.json() == {
        "image": [
            "Upload a JPEG, PNG, GIF or WebP image: this file is not one of those, "
            "whatever its name says."
        ]
    }
    assert Image.objects.count() == 0


def test_an_svg_upload_is_refused_with_a_clear_message(staff_client, media_in_tmp):
    response = staff_client.post(
        UPLOAD_URL, {"image": upload(SVG, "logo.svg", content_type="image/svg+xml")}
    )

    assert response.status_code == 400
    assert "SVG images are not accepted" in response.json()["image"][0]
    assert Image.objects.count() == 0
    assert not (media_in_tmp / "images").exists()


def test_an_upload_over_the_size_limit_is_refused_with_400_not_500(staff_client, settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 100

    response = staff_client.post(UPLOAD_URL, {"image": png_upload()})

    assert response.status_code == 400
    assert "limit" in response.json()["image"][0]


def test_an_upload_request_without_a_file_is_refused(staff_client):
    response = staff_client.post(UPLOAD_URL, {})

    assert response.status_code == 400
    assert response.json() == {"image": ["Choose an image file to upload."]}


def test_the_preview_returns_sanitised_html(staff_client):
    content = (
        "**Bold** and [a link](https://example.com)\n\n"
        "<script>alert('x')</script>\n\n"
        '<a href="javascript:alert(1)" onclick="steal()">click</a>'
    )

    response = staff_client.post(MARKDOWNIFY_URL, {"content": content})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onclick" not in html
    assert html == render(content)  # the preview is exactly what readers will see


# Who may use them: uploading needs newsletter.add_image, previewing needs editing rights --


@pytest.fixture
def bare_staff(django_user_model):
    """Staff with no permission at all."""
    return django_user_model.objects.create_user(username="stan", is_staff=True)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_user(username="sue", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("editor", True), ("superuser", True), ("reviewer", False), ("publisher", False),
     ("bare_staff", False)],
)  # fmt: skip
def test_only_people_who_may_add_images_can_upload_one(request, media_in_tmp, role, allowed):
    client = Client()
    client.force_login(request.getfixturevalue(role))

    response = client.post(UPLOAD_URL, {"image": png_upload()})

    if allowed:
        assert response.status_code == 200
        assert Image.objects.count() == 1
    else:
        assert response.status_code == 403
        assert response.json() == {
            "image": ["You do not have permission to upload images: ask an editor to add it."]
        }
        assert Image.objects.count() == 0
        assert not (media_in_tmp / "images").exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("editor", True), ("superuser", True), ("reviewer", False), ("publisher", False),
     ("bare_staff", False)],
)  # fmt: skip
def test_only_people_who_may_edit_issues_can_use_the_preview(request, role, allowed):
    client = Client()
    client.force_login(request.getfixturevalue(role))

    response = client.post(MARKDOWNIFY_URL, {"content": "**hello**"})

    if allowed:
        assert response.status_code == 200
        assert b"<strong>hello</strong>" in response.content
    else:
        assert response.status_code == 403
        assert b"<strong>" not in response.content
        assert b"permission" in response.content


@pytest.mark.parametrize("codename", ["change_issue", "add_issue"])
def test_either_editing_permission_opens_the_preview(bare_staff, codename):
    from django.contrib.auth.models import Permission

    bare_staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="newsletter", codename=codename)
    )
    client = Client()
    client.force_login(bare_staff)

    assert client.post(MARKDOWNIFY_URL, {"content": "*hi*"}).status_code == 200


# What the preview will not render, it says why ------------------------------------------


def test_a_preview_of_a_text_over_the_limit_says_so_with_400(staff_client):
    response = staff_client.post(MARKDOWNIFY_URL, {"content": "[" * 100_001})

    assert response.status_code == 400
    assert response.content.decode() == (
        '<p class="errornote">This text is 100,001 characters long, and one field can hold '
        "at most 100,000. Shorten it, or split it across several items.</p>"
    )


def test_a_preview_of_a_text_nested_too_deeply_says_so_with_400(staff_client):
    response = staff_client.post(MARKDOWNIFY_URL, {"content": "1. " * 600})

    assert response.status_code == 400
    assert "too deeply" in response.content.decode()


def test_a_preview_of_20000_brackets_shows_them_as_text(staff_client):
    response = staff_client.post(MARKDOWNIFY_URL, {"content": "[" * 20_000})

    assert response.status_code == 200
    assert response.content.decode() == "<p>" + "[" * 20_000 + "</p>"
