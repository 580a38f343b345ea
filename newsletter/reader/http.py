"""How long a public page may be cached: never past the next scheduled change.

Revisions are immutable, so a page changes only when some revision goes live or ends.
The earliest such moment after now bounds `max-age`, so a scheduled issue appears (and
an unpublished one disappears) on time even behind a shared cache.
"""

from datetime import datetime

from django.db.models import Subquery
from django.db.models.functions import Least
from django.http import HttpResponse

from newsletter.models import Revision

MAX_AGE = 300


def next_change(at: datetime):
    """An expression: the earliest go_live_at or ends_at later than `at`, or NULL.

    Views annotate the query they already run with it, so the header costs no extra
    round trip; PostgreSQL evaluates the uncorrelated subqueries once per query.
    """
    starts = Revision.objects.filter(go_live_at__gt=at).order_by("go_live_at")
    ends = Revision.objects.filter(ends_at__gt=at).order_by("ends_at")
    # LEAST ignores NULLs on PostgreSQL: NULL only when nothing is scheduled at all.
    return Least(Subquery(starts.values("go_live_at")[:1]), Subquery(ends.values("ends_at")[:1]))


def upcoming_change(at: datetime) -> datetime | None:
    """The same moment, in one query, for a page that shows no revision to annotate."""
    return (
        Revision.objects.order_by()
        .annotate(change=next_change(at))
        .values_list("change", flat=True)
        .first()
    )


def max_age(at: datetime, change: datetime | None) -> int:
    if change is None:
        return MAX_AGE
    return max(0, min(MAX_AGE, int((change - at).total_seconds())))


def cache_publicly(response: HttpResponse, *, at: datetime, change: datetime | None):
    response["Cache-Control"] = f"public, max-age={max_age(at, change)}"
    return response
