"""Public pages. They read published revisions only, through Revision.objects.live().

Everything shown comes from a revision's frozen snapshot: the number, slug and title in
a URL included. The working copy (Issue, Section, Item, Paper) is never queried, so a
draft cannot leak and renaming a draft cannot break a published address.
"""

import html

from django.core.paginator import Paginator
from django.db.models import F
from django.db.models.fields.json import KeyTransform
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from newsletter import caching
from newsletter.models import Revision

ARCHIVE_PAGE_SIZE = 12
RECENT_ON_HOME = 5
DESCRIPTION_CHARS = 160

# The number in the snapshot, not the working copy's: it is the one in the address.
NEWEST_FIRST = (
    F("snapshot__issue__number").desc(nulls_last=True),
    F("go_live_at").desc(),
    F("id").desc(),
)


def _live(at):
    """Live revisions, newest issue first, each annotated with the next scheduled change."""
    return (
        Revision.objects.live(at)
        .order_by(*NEWEST_FIRST)
        .annotate(next_change=caching.next_change(at))
    )


def _in_full(at):
    return _live(at).only("id", "snapshot", "go_live_at", "ends_at")


def _headings(at):
    """Only the issue part of each snapshot (number, title, slug, summary): lists need no more."""
    return _live(at).annotate(head=KeyTransform("issue", "snapshot")).only("id", "go_live_at")


def _description(snapshot: dict) -> str:
    text = html.unescape(strip_tags(snapshot["issue"]["summary_html"]))
    return Truncator(" ".join(text.split())).chars(DESCRIPTION_CHARS)


def home(request):
    at = timezone.now()
    latest = _in_full(at).first()
    if latest is None:
        response = render(request, "newsletter/home.html", {"latest": None, "recent": []})
        return caching.cache_publicly(response, at=at, change=caching.upcoming_change(at))
    recent = list(_headings(at)[1 : 1 + RECENT_ON_HOME])
    response = render(
        request,
        "newsletter/home.html",
        {
            "latest": latest,
            "snapshot": latest.snapshot,
            "recent": recent,
            "description": _description(latest.snapshot),
        },
    )
    return caching.cache_publicly(response, at=at, change=latest.next_change)


def archive(request):
    at = timezone.now()
    page = Paginator(_headings(at), ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    revisions = list(page.object_list)
    change = revisions[0].next_change if revisions else caching.upcoming_change(at)
    response = render(request, "newsletter/archive.html", {"page": page, "revisions": revisions})
    return caching.cache_publicly(response, at=at, change=change)


def issue_detail(request, number: int, slug: str | None = None):
    at = timezone.now()
    revision = _in_full(at).filter(snapshot__issue__number=number).first()
    if revision is None:
        raise Http404("No published issue has that number.")
    if slug != revision.slug:
        response = redirect(revision.get_absolute_url(), permanent=True)
    else:
        response = render(
            request,
            "newsletter/issue_detail.html",
            {
                "revision": revision,
                "snapshot": revision.snapshot,
                "description": _description(revision.snapshot),
            },
        )
    return caching.cache_publicly(response, at=at, change=revision.next_change)
