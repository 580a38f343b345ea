"""Every way markdown can point at one of our pictures is found, so a shown picture stays."""

import pytest
from django.db.models import ProtectedError

from newsletter.content.figures import media_name
from newsletter.models import Image, Item, Revision
from tests.helpers.reader import make_image
from tests.helpers.workflow import publish

NAME = "images/2024/05/chart.jpg"

# The same picture, written every way a browser follows to our media.
OURS = [
    "/media/images/2024/05/chart.jpg",
    "/media/images/2024/05/chart.jpg?v=2",
    "/media/images/2024/05/chart.jpg#zoom",
    "/media/images/2024/05/chart.jpg?v=2#zoom",
    "http://127.0.0.1:8000/media/images/2024/05/chart.jpg",
    "https://127.0.0.1:8000/media/images/2024/05/chart.jpg?size=large",
    "HTTPS://LOCALHOST/media/images/2024/05/chart.jpg",
    "//localhost/media/images/2024/05/chart.jpg",
    "//testserver/media/images/2024/05/chart.jpg#top",
    "/media/images/2024/05/./chart.jpg",
    "/media/images/2024/06/../05/chart.jpg",
    "/media//images/2024/05/chart.jpg",
    "/media/images/2024/05/%63hart.jpg",
    "/media\\images\\2024\\05\\chart.jpg",
    " /media/images/2024/05/chart.jpg",
    "/media/images/2024/05/chart.jpg?a=1&amp;b=2",
]

NOT_OURS = [
    "https://elsewhere.example/media/images/2024/05/chart.jpg",
    "//elsewhere.example/media/images/2024/05/chart.jpg",
    "media/images/2024/05/chart.jpg",
    "/static/images/2024/05/chart.jpg",
    "/mediaimages/2024/05/chart.jpg",
    "/media/../static/chart.jpg",
    "javascript:/media/images/2024/05/chart.jpg",
    "data:image/png;base64,AAAA",
    "http://[::1/media/images/2024/05/chart.jpg",
    "",
]


@pytest.mark.parametrize("src", OURS)
def test_every_address_of_our_media_names_the_stored_file(src):
    assert media_name(src) == NAME


@pytest.mark.parametrize("src", NOT_OURS)
def test_addresses_elsewhere_name_no_stored_file(src):
    assert media_name(src) is None


@pytest.mark.parametrize("src", OURS)
def test_a_picture_a_live_page_shows_by_any_address_cannot_be_deleted(make_issue, src):
    image = make_image("chart")
    issue = make_issue()
    Item.objects.filter(section__issue=issue, title="A tiny eval harness").update(
        body=f"Our results: ![the chart]({src})"
    )
    publish(issue)

    revision = Revision.objects.live().get(issue=issue)
    assert image.pk in revision.content.image_ids
    with pytest.raises(ProtectedError):
        image.delete()
    assert Image.objects.filter(pk=image.pk).exists()


def test_a_picture_written_absolute_becomes_a_figure_like_a_relative_one(make_issue):
    make_image("chart", caption="Loss against steps")
    issue = make_issue(
        summary="![the chart](https://127.0.0.1:8000/media/images/2024/05/chart.jpg?v=2)"
    )
    publish(issue)

    summary = Revision.objects.live().get(issue=issue).content.issue.summary_html
    assert "<figure" in summary and "Loss against steps" in summary
    assert "chart-960.webp 960w" in summary
