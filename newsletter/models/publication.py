"""The site-wide publication state: what keys the whole-response cache.

Revisions are immutable, so what any public URL shows changes only when some revision's
interval (`go_live_at`, `ends_at`) changes, or when the clock passes a scheduled boundary.
`PublicationState` is one row whose `generation` PostgreSQL triggers on
`newsletter_revision` (and on the search rows search reads) bump in the very transaction
of every such change (migration 0007): no code path can forget it. `current_state(at)`
reads the generation and the boundaries around `at` in one query; each web process keeps
it in memory between the notifications the same trigger sends (`reader/live_state.py`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, models
from django.db.models import Q

from newsletter.models.revisions import Revision

# The trigger that bumps the generation also notifies this channel (migration 0015):
# PostgreSQL delivers it to every listener when the bumping transaction commits.
NOTIFY_CHANNEL = "newsletter_publication"


class PublicationState(models.Model):
    """The one row (id 1): `generation` goes up with every change of a revision's interval."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    generation = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="publication_state_single_row")
        ]

    def __str__(self):
        return f"publication generation {self.generation}"


class PublicationListener(models.Model):
    """A web process keeping the state in memory (`reader/live_state.py`): the generation it
    has taken in, and when it last said so. A transition waits, after its commit, until every
    listener seen within the last few seconds has taken in the new generation."""

    name = models.CharField(max_length=200, primary_key=True, help_text="host:pid:random")
    generation = models.BigIntegerField()
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at generation {self.generation}"


@dataclass(frozen=True)
class State:
    """What public URLs show at a moment: same state, same bytes.

    `next_boundary` is the earliest go_live_at or ends_at after the moment (None when
    nothing is scheduled): once the clock reaches it, the next read gives another value,
    so the state changes at that second with no write. `last_boundary` is the latest one
    at or before the moment: when anything readers see last changed (Last-Modified).
    """

    generation: int
    next_boundary: datetime | None
    last_boundary: datetime | None

    def key(self) -> str:
        boundary = self.next_boundary.isoformat() if self.next_boundary else "none"
        return f"{self.generation}:{boundary}"

    def holds_at(self, moment: datetime) -> bool:
        """True while `moment` is still before the next boundary."""
        return self.next_boundary is None or moment < self.next_boundary


def _state_sql() -> str:
    state = PublicationState._meta.db_table
    revision = Revision._meta.db_table
    # Each subquery is one index probe (go_live_at and ends_at are indexed); LEAST and
    # GREATEST ignore NULLs on PostgreSQL. No row (a flushed test database) reads as 0.
    return f"""
        SELECT
            coalesce((SELECT generation FROM {state} WHERE id = 1), 0),
            least(
                (SELECT min(go_live_at) FROM {revision} WHERE go_live_at > %(at)s),
                (SELECT min(ends_at) FROM {revision} WHERE ends_at > %(at)s)
            ),
            greatest(
                (SELECT max(go_live_at) FROM {revision} WHERE go_live_at <= %(at)s),
                (SELECT max(ends_at) FROM {revision} WHERE ends_at <= %(at)s)
            )
    """  # noqa: S608 - table names from the models, values as parameters


def _utc(moment: datetime | None) -> datetime | None:
    # The same instant prints the same in State.key() whatever the connection's time zone.
    return moment.astimezone(UTC) if moment is not None else None


def read_state(cursor, at: datetime) -> State:
    """The publication state at `at`, in one query on `cursor` (Django's or psycopg's)."""
    cursor.execute(_state_sql(), {"at": at})
    generation, next_boundary, last_boundary = cursor.fetchone()
    return State(generation, _utc(next_boundary), _utc(last_boundary))


def current_state(at: datetime) -> State:
    """The publication state at `at`, in one query."""
    with connection.cursor() as cursor:
        return read_state(cursor, at)
