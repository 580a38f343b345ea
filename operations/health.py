"""Health endpoints for load balancers and orchestrators, answered before anything else.

- `/healthz`: the process is up and answering. Touches nothing else: no database, no
  cache, no session. Use it as a liveness probe (restart the process when it fails).
- `/readyz`: the process can serve: the database answers and every migration on disk is
  applied. 503 otherwise, with the reason. Use it as a readiness probe (send no traffic
  while it fails). One query a probe, and one on the read replica when there is one: a
  replica that does not answer is reported but leaves the answer 200, since public pages
  then read the primary.

The middleware sits first, so neither the host check, the HTTPS redirect, the session,
nor the public-response cache (which reads the database) runs for a probe: a load
balancer asking by IP address over plain HTTP still gets an answer.
"""

import functools

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
    return _answer(200, status="ok", database="ok", **_replica_state())


def _replica_state() -> dict[str, str]:
    if not replica.configured():
        return {}
    if replica.answering_generation() is None:
        return {"replica": "unreachable, pages read the primary"}
    return {"replica": "ok"}


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
