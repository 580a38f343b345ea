"""The publication state each web process keeps, told of every change by PostgreSQL.

The whole-response cache (`cache.py`) keys every public response by the publication state
(`newsletter.models.publication`). Reading it costs a round trip to PostgreSQL; on a cache
hit that round trip was most of the work. Instead, each process keeps the state in memory
and a thread of its own listens for the notification the database sends in the very
transaction that bumps the generation (migration 0015: `pg_notify` in the same trigger
function, delivered when that transaction commits):

- `known(now)` answers the state without any query while it is certain to be current:
  the listening connection is up, the state was confirmed within `CONFIRM_WITHIN` seconds
  (the thread re-reads it every `HEARTBEAT` seconds), the clock has not reached its next
  boundary (a scheduled go-live or end: the thread re-reads it at that second), and no
  notification is waiting unread on the listening socket. Anything else answers None and
  the caller reads the state with its own query, as before.
- The thread drops what it knew *before* it reads a notification off the socket, and a
  request checks the socket before it trusts the state, so from the moment PostgreSQL has
  handed the notification to this process's socket no request uses the older state.
- What is left is the time PostgreSQL and the listening thread take to pass a commit on
  (milliseconds; more on a loaded machine). So a writer waits it out: after its commit, a
  workflow transition calls `settle()`, which returns once every listening process has
  recorded (in `PublicationListener`) that it answers from the new generation. When the
  publisher's page comes back, every server already shows the change.

A process started by fork (gunicorn with `preload_app`) starts its own thread on first
use. PUBLIC_STATE_LISTEN=0 turns all of this off: every request then reads the state.
"""

import contextlib
import logging
import os
import secrets
import select
import socket
import threading
import time
from datetime import datetime

import psycopg
from django.conf import settings
from django.db import connections
from django.utils import timezone

from newsletter.models.publication import (
    NOTIFY_CHANNEL,
    PublicationListener,
    PublicationState,
    State,
    read_state,
)

log = logging.getLogger(__name__)

HEARTBEAT = 1.0  # seconds between re-reads of the state when nothing is notified
CONFIRM_WITHIN = 3 * HEARTBEAT  # older than this, the thread is stuck: do not trust it
RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)  # after the listening connection fails
APPLICATION_NAME = "newsletter publication listener"  # as pg_stat_activity shows it
# A listener that has not said what it has seen for this long is taken to be gone: a
# transition does not wait for it (and it does not trust its state either: CONFIRM_WITHIN).
LISTENING_WITHIN = CONFIRM_WITHIN + 2.0
SETTLE_TIMEOUT = 1.0  # the longest a transition waits for the listeners after its commit
FORGOTTEN_AFTER = 3600  # seconds: rows of processes gone this long are deleted


class StateWatch:
    """One process's listening connection and the state it last confirmed."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.name = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._state: State | None = None
        self._confirmed_at: float = 0.0  # time.monotonic() of the last confirmation
        self._confirmed_when: datetime | None = None  # the same moment, for the stale rule
        # Odd while the thread reads a notification off the listening socket: a request
        # that sees it odd, or changed across its check, does not trust the state.
        self._epoch = 0
        self._listen: psycopg.Connection | None = None  # LISTEN, and nothing else
        self._query: psycopg.Connection | None = None  # reads the state, records it
        self._fd = -1
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    # What requests call

    def known(self, now: datetime) -> State | None:
        """The state at `now` if it is certain without a query, else None."""
        epoch = self._epoch
        fd = self._fd
        if epoch & 1 or fd < 0:
            return None
        try:
            readable, _, _ = select.select([fd], [], [], 0)
        except (OSError, ValueError):  # closed under us: the thread is reconnecting
            return None
        if readable:  # a notification (or the server hanging up) not yet read
            return None
        state = self._state
        if state is None or not state.holds_at(now):
            return None
        if time.monotonic() - self._confirmed_at > CONFIRM_WITHIN:
            return None
        if self._epoch != epoch:  # the thread read the socket meanwhile
            return None
        return state

    @property
    def confirmed_when(self) -> datetime | None:
        """When the state `known()` answers was last read from the database."""
        return self._confirmed_when

    # The thread

    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="publication-state-listener", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._thread = None
        self._leave()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self.connect()
                failures = 0
                while not self._stop.is_set():
                    self.step(self._wait_for())
            except Exception as error:  # the database went away: requests query it meanwhile
                self._forget()
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                if failures == 1 or failures % 20 == 0:
                    log.warning(
                        "The publication state listener lost its connection (%s); "
                        "pages read the state from the database until it is back.",
                        error,
                    )
                self._stop.wait(delay)
        self._leave()

    def _leave(self) -> None:
        """No longer listening: say so (transitions stop waiting for it) and close."""
        if self._query is not None:
            with contextlib.suppress(Exception):  # a broken connection: its row ages out
                self._query.execute(_LEAVE, [self.name])
        self._forget()

    def _wait_for(self) -> float:
        """Until the next heartbeat, or the next scheduled boundary if that comes first."""
        state = self._state
        wait = HEARTBEAT
        if state is not None and state.next_boundary is not None:
            until = (state.next_boundary - timezone.now()).total_seconds()
            wait = max(0.0, min(wait, until))
        return wait

    # One step at a time (the thread's loop, and tests that drive it by hand)

    def _open(self, application_name: str) -> psycopg.Connection:
        wrapper = connections.create_connection(self.alias)
        params = wrapper.get_connection_params()
        params.pop("cursor_factory", None)
        params["application_name"] = application_name
        return psycopg.connect(**params, autocommit=True)

    def connect(self) -> None:
        """Open the listening connection and LISTEN, then read the state on a second one
        (in that order, so that no change between the two is missed). The listening
        socket carries nothing but notifications: a request that finds it readable knows
        one is waiting."""
        self._forget()
        self._listen = self._open(APPLICATION_NAME)
        self._listen.execute(f"LISTEN {NOTIFY_CHANNEL}")
        self._query = self._open(f"{APPLICATION_NAME} (reads)")
        self._query.execute(
            _FORGET_GONE,
            [FORGOTTEN_AFTER],
        )
        self._refresh()
        self._fd = self._listen.fileno()

    def step(self, timeout: float) -> None:
        """Wait up to `timeout` for a notification; then read the state again."""
        listen = self._listen
        if listen is None or self._query is None:
            raise psycopg.OperationalError("not connected")
        readable, _, _ = select.select([self._fd], [], [], timeout)
        if not readable:
            self._refresh()  # the heartbeat: requests go on trusting the state meanwhile
            return
        self._epoch += 1  # odd: the socket is being read
        try:
            self._state = None  # before the notification leaves the socket
            listen.pgconn.consume_input()  # raises when the server has hung up
            notified = False
            while listen.pgconn.notifies() is not None:
                notified = True
            if not notified or listen.pgconn.status != psycopg.pq.ConnStatus.OK:
                # Anything else on this socket is the server saying goodbye (an error
                # message before it closes): start again on a new connection.
                raise psycopg.OperationalError("the listening connection is closing")
        finally:
            self._epoch += 1
        self._refresh()

    def _refresh(self) -> None:
        """Read the state; then say which generation this process now answers from."""
        with self._query.cursor() as cursor:
            at = timezone.now()
            state = read_state(cursor, at)
            self._confirmed_at = time.monotonic()
            self._confirmed_when = at
            # A notification that came meanwhile is waiting on the listening socket, which
            # requests check first: setting this state cannot hide it.
            self._state = state
            cursor.execute(
                _TAKEN_IN,
                [self.name, state.generation],
            )

    def _forget(self) -> None:
        self._state = None
        self._fd = -1
        for conn in (self._listen, self._query):
            if conn is not None:
                with contextlib.suppress(Exception):  # closing a broken connection
                    conn.close()
        self._listen = self._query = None


# Table names from the models; every value is a parameter.
_LISTENERS = PublicationListener._meta.db_table
_STATE = PublicationState._meta.db_table
_LEAVE = f"DELETE FROM {_LISTENERS} WHERE name = %s"  # noqa: S608
_FORGET_GONE = f"DELETE FROM {_LISTENERS} WHERE seen_at < now() - %s * interval '1 second'"  # noqa: S608
_TAKEN_IN = (
    f"INSERT INTO {_LISTENERS} (name, generation, seen_at) VALUES (%s, %s, now()) "  # noqa: S608
    "ON CONFLICT (name) DO UPDATE SET generation = EXCLUDED.generation, seen_at = now()"
)
_GENERATION = f"SELECT coalesce((SELECT generation FROM {_STATE} WHERE id = 1), 0)"  # noqa: S608
_BEHIND = (
    f"SELECT name FROM {_LISTENERS} "  # noqa: S608
    "WHERE generation < %s AND seen_at > now() - %s * interval '1 second'"
)

_watch = StateWatch()
_started = False


def _after_fork() -> None:
    # The parent's thread and connection do not exist in the child: start afresh there.
    global _watch, _started
    _watch = StateWatch()
    _started = False


os.register_at_fork(after_in_child=_after_fork)


def enabled() -> bool:
    return getattr(settings, "PUBLIC_STATE_LISTEN", False)


def watch() -> StateWatch:
    """This process's watch, its thread started on first use."""
    global _started
    if not _started:
        _started = True
        _watch.start()
    return _watch


def stop() -> None:
    """Stop this process's listener (tests, before their database is dropped)."""
    global _started
    _watch.stop()
    _started = False


def known(now: datetime) -> tuple[State, datetime | None] | None:
    """The publication state at `now` without a query, when that is certain, with when it
    was last read from the database; else None."""
    if not enabled():
        return None
    current = watch()
    state = current.known(now)
    return None if state is None else (state, current.confirmed_when)


def settle(timeout: float = SETTLE_TIMEOUT) -> bool:
    """After a commit that changed what readers see: wait until every listening web process
    has taken in the new generation, so that the caller's next step (the publisher's next
    page, a script's next line) finds every server showing it. False if some listener did
    not within `timeout` (it is then logged; that process shows the change once it reads
    its notification, or stops trusting its state within CONFIRM_WITHIN seconds)."""
    from django.db import connection

    if not enabled() or connection.in_atomic_block:
        return True
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        cursor.execute(_GENERATION)
        (target,) = cursor.fetchone()
        while True:
            cursor.execute(
                _BEHIND,
                [target, LISTENING_WITHIN],
            )
            behind = [name for (name,) in cursor.fetchall()]
            if not behind:
                return True
            if time.monotonic() > deadline:
                log.warning(
                    "%d web process(es) had not taken in publication generation %d %.1f s "
                    "after its commit: %s",
                    len(behind),
                    target,
                    timeout,
                    ", ".join(behind),
                )
                return False
            time.sleep(0.002)
