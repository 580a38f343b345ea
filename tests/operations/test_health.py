"""/healthz and /readyz: answered first, cheap, never cached, no session."""

import contextlib
import json
import resource
import socket
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from operations import health
from tests.helpers.servers import free_port


def test_healthz_answers_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert len(queries) == 0
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


def test_readyz_costs_one_query_and_sets_no_cookie(client, db):
    health.migrations_on_disk()  # read once per process, on the first probe
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/readyz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert len(queries) == 1
    assert response["Cache-Control"] == "no-store"
    assert "X-Cache" not in response  # outside the public-response cache
    assert not response.cookies


def test_readyz_is_503_while_a_migration_is_unapplied(client, db):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'newsletter' AND name = '0001_initial'"
        )

    response = client.get("/readyz")

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["unapplied_migrations"] == ["newsletter.0001_initial"]


@pytest.mark.parametrize("host", ["10.0.0.7", "evil.example"])
def test_probes_by_any_host_name_are_answered(client, db, host):
    # A load balancer probes by address, before the allowed-hosts check would refuse it.
    assert client.get("/healthz", HTTP_HOST=host).status_code == 200
    assert client.get("/readyz", HTTP_HOST=host).status_code == 200


def test_a_post_to_a_health_address_is_not_a_probe(client, db):
    assert client.post("/healthz").status_code == 404


def test_readyz_stays_200_and_says_so_when_the_replica_is_unreachable(site):
    """Public pages fall back to the primary, so a replica down must not take the process
    out of the load balancer."""
    nobody = f"postgres://reader@127.0.0.1:{free_port()}/news"
    server = site.web_server("replica-unreachable", DATABASE_REPLICA_URL=nobody)
    try:
        ready = server.get("/readyz")
        page = server.get("/issues/")
    finally:
        server.stop()

    assert ready.status == 200
    assert json.loads(ready.text) == {
        "status": "ok",
        "database": "ok",
        "replica": "unreachable, pages read the primary",
    }
    assert page.status == 200 and page.headers["X-Read-From"] == "primary"


@contextlib.contextmanager
def silent_listener(kind: str):
    """A loopback port where a replica would be, that never answers PostgreSQL.

    "full": its accept queue is full, so the kernel drops every new connection's SYN
    without a word, as a host that drops packets does. "mute": connections are
    established (the kernel accepts them) but nothing is ever read or written.
    """
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(socket.create_server(("127.0.0.1", 0), backlog=0))
        if kind == "full":
            for _ in range(3):  # Linux queues backlog + 1: these fill it, the rest may wait
                client = stack.enter_context(socket.socket())
                client.setblocking(False)
                client.connect_ex(server.getsockname())
            time.sleep(0.1)
        yield server.getsockname()[1]


@pytest.mark.parametrize("kind", ["full", "mute"])
def test_readyz_answers_within_its_replica_timeout_when_the_replica_never_answers(site, kind):
    """A readiness probe must answer before the load balancer gives up on it: a replica
    host that keeps the connect waiting is reported down after
    DATABASE_REPLICA_PROBE_TIMEOUT, not after DATABASE_CONNECT_TIMEOUT."""
    with silent_listener(kind) as port:
        server = site.web_server(
            f"replica-silent-{kind}",
            DATABASE_REPLICA_URL=f"postgres://reader@127.0.0.1:{port}/news",
            DATABASE_CONNECT_TIMEOUT="10",
            DATABASE_REPLICA_PROBE_TIMEOUT="1",
        )
        try:
            began = time.monotonic()
            ready = server.get("/readyz")
            waited = time.monotonic() - began
            again = server.get("/readyz")
            page = server.get("/issues/")
        finally:
            server.stop()

    down = {"status": "ok", "database": "ok", "replica": "unreachable, pages read the primary"}
    assert (ready.status, json.loads(ready.text)) == (200, down)
    # Well under the 10 s connect (and the test's load): the probe stopped waiting at 1 s.
    assert waited < 5, f"/readyz took {waited:.1f} s"
    # Found down, the replica is left alone by the next probe and by pages.
    assert (again.status, json.loads(again.text)) == (200, down)
    assert page.status == 200 and page.headers["X-Read-From"] == "primary"


GIB = 1 << 30


@contextlib.contextmanager
def thread_stacks_of(size: int):
    """Processes started inside give each thread a stack of `size` bytes: glibc sizes
    thread stacks by the RLIMIT_STACK a process starts with."""
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    resource.setrlimit(resource.RLIMIT_STACK, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))


@contextlib.contextmanager
def no_room_for_a_thread(pid: int):
    """Process `pid` may map 256 MiB more, so it serves a request but cannot map the
    stack of a new thread (1 GiB, above): starting one fails, as when it is out of
    threads or memory. As it was again afterwards."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    mapped = int(next(line for line in status if line.startswith("VmSize:")).split()[1])
    before = resource.prlimit(pid, resource.RLIMIT_AS)
    resource.prlimit(pid, resource.RLIMIT_AS, (mapped * 1024 + GIB // 4, before[1]))
    try:
        yield
    finally:
        resource.prlimit(pid, resource.RLIMIT_AS, before)


def test_a_probe_that_cannot_start_its_thread_fails_saying_so_and_the_next_one_asks(site):
    """A probe that could not start the thread asking the replica answers 503 at once
    with the reason; it leaves no question behind for later probes to wait on, so the
    next one asks the replica and finds it answering."""
    with thread_stacks_of(GIB):
        # The site's own database stands in for a replica: it answers.
        server = site.web_server("replica-no-thread", DATABASE_REPLICA_URL=site.postgres.url)
    try:
        [worker] = server.worker_pids()
        with no_room_for_a_thread(worker):
            failed = server.get("/readyz")
        began = time.monotonic()
        again = server.get("/readyz")
        waited = time.monotonic() - began
    finally:
        server.stop()

    assert (failed.status, json.loads(failed.text)) == (
        503,
        {
            "status": "unavailable",
            "database": "ok",
            "replica": "not asked: the process could not start a thread",
            "error": "can't start new thread",
        },
    )
    assert (again.status, json.loads(again.text)) == (
        200,
        {"status": "ok", "database": "ok", "replica": "ok"},
    )
    assert waited < 5, f"the next /readyz took {waited:.1f} s"
