"""Health endpoints for load balancers and orchestrators, answered before anything else.

- `/healthz`: the process is up and answering. Touches nothing else: no database, no
  cache, no session. Use it as a liveness probe (restart the process when it fails).
- `/readyz`: the process can serve: the database answers and every migration on disk is
  applied. 503 otherwise, with the reason. Use it as a readiness probe (send no traffic
  while it fails). One query a probe, and one on the read replica when there is one: a
  replica that does not answer (within DATABASE_REPLICA_PROBE_TIMEOUT, 1 s) is reported
  but leaves the answer 200, since public pages then read the primary. The replica is
  asked in a thread; a process that cannot start one (out of threads or memory) answers
  that probe 503, saying so, and the next probe tries again.

The middleware sits first, so neither the host check, the HTTPS redirect, the session,
nor the public-response cache (which reads the database) runs for a probe: a load
balancer asking by IP address over plain HTTP still gets an answer.
"""

import functools
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.http import JsonResponse

from newsletter.reader import replica

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
DATABASE = "default"


@functools.cache
def migrations_on_disk() -> frozenset[tuple[str, str]]:
    """Every migration the code has: read from disk once per process (the code does not
    change under a running process)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.nodes)


def _answer(code: int, **body) -> JsonResponse:
    response = JsonResponse(body, status=code)
    response["Cache-Control"] = "no-store"
    return response


def liveness() -> JsonResponse:
    return _answer(200, status="ok")


def readiness() -> JsonResponse:
    connection = connections[DATABASE]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
    except DatabaseError as error:
        return _answer(
            503, status="unavailable", database="unreachable", error=type(error).__name__
        )
    unapplied = sorted(f"{app}.{name}" for app, name in migrations_on_disk() - applied)
    if unapplied:
        return _answer(503, status="unavailable", database="ok", unapplied_migrations=unapplied)
    try:
        replica_state = _replica_state()
    except ProbeNotStarted as error:
        return _answer(
            503,
            status="unavailable",
            database="ok",
            replica="not asked: the process could not start a thread",
            error=str(error),
        )
    return _answer(200, status="ok", database="ok", **replica_state)


def _replica_state() -> dict[str, str]:
    if not replica.configured():
        return {}
    if _replica_generation(settings.DATABASE_REPLICA_PROBE_TIMEOUT) is None:
        return {"replica": "unreachable, pages read the primary"}
    return {"replica": "ok"}


class ProbeNotStarted(Exception):
    """The thread that asks the replica could not be started (the process is out of
    threads or memory): the probe fails, and the next one starts its own."""


# The probe's question to the replica, while one is under way: a replica that keeps it
# waiting is asked nothing more until it answers or its connect timeout ends it.
_asking: Future | None = None
_asking_lock = threading.Lock()


def _replica_generation(timeout: float) -> int | None:
    """The replica's generation, or None when it does not answer within `timeout` seconds.

    libpq's connect timeout is whole seconds, at least 2 (DATABASE_CONNECT_TIMEOUT, 5 by
    default, bounds each attempt), and a host that drops packets, or accepts and never
    answers, keeps a connect waiting that long: a probe waits for at most `timeout` and
    then marks the replica down, as a page would, while the question ends on its own.
    """
    global _asking
    with _asking_lock:
        if _asking is None or _asking.done():
            question = Future()
            thread = threading.Thread(
                target=_ask_replica, args=(question,), name="readyz-replica", daemon=True
            )
            try:
                thread.start()
            except RuntimeError as error:  # "can't start new thread"
                # Kept, a question no thread answers would make every later probe wait it out.
                raise ProbeNotStarted(str(error)) from error
            _asking = question
        asking = _asking
    try:
        return asking.result(timeout=timeout)
    except FutureTimeout:
        replica.mark_down(f"no answer within {timeout:g} s")
        return None


def _ask_replica(answer: Future) -> None:
    try:
        answer.set_result(replica.answering_generation())
    except BaseException as error:  # the probe reports it; a thread's error would be lost
        answer.set_exception(error)
    finally:
        connections[replica.REPLICA].close()  # this thread's own, never used again


class HealthCheckMiddleware:
    """Answer /healthz and /readyz (GET or HEAD) before any other middleware runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            if request.path_info == LIVENESS_PATH:
                return liveness()
            if request.path_info == READINESS_PATH:
                return readiness()
        return self.get_response(request)
