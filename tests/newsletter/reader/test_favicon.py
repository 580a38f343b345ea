"""The site's icon: an SVG the pages link to, and /favicon.ico for whoever asks the root."""

import io
import re
from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db

ICON_LINKS = (
    '<link rel="icon" href="/favicon.ico" sizes="32x32">',
    f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">',
)


def test_favicon_ico_is_served_at_the_root_as_an_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response["Cache-Control"] == "public, max-age=604800"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= icon.info["sizes"]


def test_favicon_ico_answers_head_and_refuses_posts(client):
    assert client.head("/favicon.ico").status_code == 200
    assert client.post("/favicon.ico").status_code == 405


def test_the_svg_icon_is_a_static_file_with_a_view_box():
    found = finders.find("favicon.svg")
    assert found, "static/favicon.svg is missing"
    svg = ElementTree.parse(found).getroot()  # noqa: S314 - our own file
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("viewBox") == "0 0 32 32"


def test_public_pages_link_both_icons(client, published):
    published(number=1)
    for url in ("/", reverse("newsletter:archive"), "/issues/1-issue-1/", "/no-such-page/"):
        html = client.get(url).text
        head = html.split("</head>")[0]
        for link in ICON_LINKS:
            assert link in head, url
        assert 'href="data:,"' not in head, url


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:login"),
        reverse("admin:index"),
        reverse("admin:newsletter_issue_changelist"),
        reverse("admin:newsletter_issue_calendar"),
        reverse("admin:editorial_event_changelist"),
    ],
)
def test_admin_pages_link_both_icons(client, editor, url):
    if url != reverse("admin:login"):
        client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    head = response.text.split("</head>")[0]
    for link in ICON_LINKS:
        assert link in head
    assert len(re.findall(r'<link rel="icon"', head)) == 2
