"""Published issues with pictures and relative links, as feeds and the API read them."""

from django.db import connection

from newsletter.models import Image, Issue, Revision
from tests.helpers.workflow import publish

HOST = "http://testserver/"
# The whole-response cache reads the publication state first: one query per public request.
STATE_QUERY = 1
# Cache-Control of every page and data response that depends on what is published.
PUBLISHED_CACHE_CONTROL = "public, max-age=0, s-maxage=0, must-revalidate"


def stored_get(client, url, **extra):
    """GET `url` so that its response is stored in the whole-response cache; return that
    response (a miss). An address with a query is stored only once it has been asked before
    (newsletter/reader/admission.py), so one not asked yet is asked twice."""
    first = client.get(url, **extra)
    if "?" not in url:
        return first
    assert first.get("X-Cache") == "miss", (url, first.get("X-Cache"))
    second = client.get(url, **extra)
    return second if second.get("X-Cache") == "miss" else first


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


def correct(issue, **fields):
    """Edit the published issue's working copy and publish the correction."""
    Issue.objects.filter(pk=issue.pk).update(**fields)
    publish(Issue.objects.get(pk=issue.pk))


def public_url(issue) -> str:
    """The address readers find `issue` at: its live revision's (a working copy has none)."""
    return Revision.objects.live().get(issue=issue).get_absolute_url()


def renumbered_before_the_rule(issue, number):
    """Give a published issue's working copy another number, as data from before a
    published number was kept with its issue (migration 0009) can have: the database
    refuses it now, so its trigger is set aside for this one update."""
    trigger = "newsletter_issue_number_kept"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending events before ALTER
        cursor.execute(f"ALTER TABLE newsletter_issue DISABLE TRIGGER {trigger}")
        Issue.objects.filter(pk=issue.pk).update(number=number)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE newsletter_issue ENABLE TRIGGER {trigger}")
