"""HTTP caching of public responses: never cached past the next scheduled change.

Revisions are immutable, so what a public URL shows changes only when some revision goes
live or ends. The earliest such moment after the request bounds `max-age`, so a scheduled
issue appears (and an unpublished one disappears) on time even behind a shared cache.
"""

from datetime import datetime

from django.http import HttpResponse

from newsletter.models import Revision

MAX_AGE = 300


def max_age(at: datetime, change: datetime | None) -> int:
    if change is None:
        return MAX_AGE
    return max(0, min(MAX_AGE, int((change - at).total_seconds())))


def _cache_control(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={seconds}"
    return response


def public_until_next_change(response: HttpResponse, *, at: datetime, rows=()) -> HttpResponse:
    """Let anyone cache `response`, built from what was live at `at`, until the next change.

    `rows` are what the response was built from, read through `Revision.objects.live_issues`
    (or search), so each carries `next_change`: then the moment costs no query. A response
    that read no row (an empty archive, a 404 page of results) asks in one query.
    """
    change = rows[0].next_change if rows else Revision.objects.next_change_after(at)
    return _cache_control(response, max_age(at, change))


def public(response: HttpResponse) -> HttpResponse:
    """Let anyone cache a response that does not depend on what is published."""
    return _cache_control(response, MAX_AGE)
