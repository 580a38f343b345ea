"""Public reads from a PostgreSQL replica, never staler than the primary's publication state.

With `DATABASE_REPLICA_URL` set, the `replica` database alias is a read-only copy of the
primary (a streaming standby). What a public page shows depends only on the publication
state (`newsletter.models.publication`), and the whole-response cache keys every page on
the state read from the *primary*. So a page may be rendered from the replica only when
the replica has replayed at least that far: its PublicationState generation is at least
the primary's for this request. The generation is bumped in the very transaction of every
interval change, and a standby replays transactions in commit order, so such a replica
holds every revision and search row the primary's state describes.

Otherwise (the replica is behind, or does not answer, or a query on it fails half-way
through the page) the page is rendered from the primary: no reader ever gets an older
page than the primary would give, nor an error the primary would not. Each decision is
the response's `X-Read-From` (`replica` or `primary`) and the request log's
`read_from`; a fall-back is logged with both generations, and counted in `counts`.

`ReplicaRouter` sends to the replica only the reads of the public read model (revisions,
their pictures and search rows) made while a public request is rendered under
`public_reads()`. Everything else (the admin, the workflow, every write, the
publication-state check itself, subscribers' pages) reads and writes the primary.
"""

import contextlib
import logging
import time
from collections import Counter
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
HEADER = "X-Read-From"
# Read from the replica while it has replayed far enough: what public pages are built from.
PUBLIC_READ_MODELS = frozenset(
    {
        "newsletter.revision",
        "newsletter.revisionimage",
        "newsletter.searchentry",
        "newsletter.image",
    }
)

# Where this request's public reads go: REPLICA, PRIMARY, or None outside public_reads().
_reads_from: ContextVar[str | None] = ContextVar("public_reads_from", default=None)
_replica_down_until = 0.0
# How requests were served, since the process started: replica, behind, unreachable.
counts: Counter = Counter()


def configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_generation() -> int:
    """The PublicationState generation the replica has replayed (0 before the first)."""
    from newsletter.models.publication import PublicationState

    table = PublicationState._meta.db_table
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(f"SELECT coalesce((SELECT generation FROM {table} WHERE id = 1), 0)")  # noqa: S608
        return cursor.fetchone()[0]


def answering_generation() -> int | None:
    """The replica's generation, or None when it does not answer: then it is left alone
    for DATABASE_REPLICA_RETRY_AFTER seconds, by pages and probes alike, so a replica that
    is down costs one connect timeout, not one a request."""
    if time.monotonic() < _replica_down_until:
        return None
    try:
        return replica_generation()
    except DatabaseError as error:
        mark_down(type(error).__name__)
        with contextlib.suppress(DatabaseError):
            connections[REPLICA].close()
        return None


def mark_down(reason: str) -> None:
    """Leave the replica alone for DATABASE_REPLICA_RETRY_AFTER seconds: pages read the
    primary and probes report it down without asking it."""
    global _replica_down_until
    retry_after = settings.DATABASE_REPLICA_RETRY_AFTER
    _replica_down_until = time.monotonic() + retry_after
    log.warning(
        "The replica did not answer (%s); reading from the primary for %.0f s.",
        reason,
        retry_after,
    )


def choose(primary_generation: int) -> str:
    """REPLICA if it has replayed at least `primary_generation`, else PRIMARY."""
    generation = answering_generation()
    if generation is None:
        counts["unreachable"] += 1
        return PRIMARY
    if generation >= primary_generation:
        counts["replica"] += 1
        return REPLICA
    counts["behind"] += 1
    log.info(
        "The replica is behind (generation %s, the primary's %s); reading from the primary.",
        generation,
        primary_generation,
        extra={"replica_generation": generation, "primary_generation": primary_generation},
    )
    return PRIMARY


@contextlib.contextmanager
def public_reads(primary_generation: int):
    """Render a public response inside: yields where its reads go, "replica" or "primary"
    (None when there is no replica)."""
    source = choose(primary_generation) if configured() else None
    token = _reads_from.set(source)
    try:
        yield None if source is None else ("replica" if source == REPLICA else "primary")
    finally:
        _reads_from.reset(token)


def failed_during_render() -> bool:
    """Whether a query on the replica failed while this request was rendered (a hot
    standby cancels a query that conflicts with the WAL it replays, for one)."""
    return connections[REPLICA].errors_occurred


@contextlib.contextmanager
def primary_reads():
    """Render again from the primary, after the replica failed half-way."""
    counts["failed"] += 1
    token = _reads_from.set(PRIMARY)
    try:
        yield "primary"
    finally:
        _reads_from.reset(token)


class ReplicaRouter:
    """The public read model to the replica inside `public_reads()`; all else the primary."""

    def db_for_read(self, model, **hints):
        if _reads_from.get() == REPLICA and model._meta.label_lower in PUBLIC_READ_MODELS:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a standby follows the primary's schema by itself
