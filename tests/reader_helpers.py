"""Published issues with pictures and relative links, as feeds and the API read them."""

import pytest

from newsletter.models import Image, Issue, Item
from tests.workflow_helpers import publish

HOST = "http://testserver/"


def make_image(name, *, width=1600, height=900, **fields):
    renditions = [
        {"width": w, "height": w * height // width, "name": f"renditions/{name}-{w}.webp"}
        for w in (480, 960, 1600)
        if w <= width
    ]
    return Image.objects.create(
        file=f"images/2024/05/{name}.jpg",
        alt_text=fields.pop("alt_text", f"A picture of {name}"),
        width=width,
        height=height,
        sha256=name.ljust(64, "0"),
        renditions=renditions,
        **fields,
    )


@pytest.fixture
def published(make_issue):
    """Create an issue with `make_issue(**fields)` and publish it now (or schedule it at `at`)."""

    def make(number=1, *, at=None, **fields):
        issue = make_issue(number=number, **fields)
        publish(issue, at=at)
        return issue

    return make


@pytest.fixture
def illustrated(make_issue):
    """An issue with a hero picture, a pictured item, and relative links in its markdown."""

    def make(number=1, *, at=None):
        issue = make_issue(
            number=number,
            summary="Read [the previous issue](/issues/) first.",
            hero_image=make_image(f"hero-{number}"),
        )
        item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
        item.image = make_image(f"laptop-{number}", width=800, height=600)
        item.body = "See [the archive](/issues/) and ![a chart](/media/images/chart.png)."
        item.save()
        publish(issue, at=at)
        return issue

    return make


def correct(issue, **fields):
    """Edit the published issue's working copy and publish the correction."""
    Issue.objects.filter(pk=issue.pk).update(**fields)
    publish(Issue.objects.get(pk=issue.pk))
