"""Web workers keep the publication state in memory, told of changes by PostgreSQL.

The real web server with two workers on the tests' own PostgreSQL: each worker's listener
connects on its first request; cache hits then read no state from the database (the
request log says `"state_from": "listener"`); a publish from another process returns only
once both workers have taken it in, so the next request anywhere shows it; a listener
whose connection is killed gives way to a query per request until it is back, on its own
(within a second: `RECONNECT_DELAYS`).
"""

import json
import time

import psycopg

from newsletter.reader.live_state import APPLICATION_NAME
from tests.operations.test_two_app_servers import get, publish_an_issue


def _sql(site, query: str, *params):
    with psycopg.connect(site.postgres.url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def listeners(site) -> int:
    return _sql(
        site, "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", APPLICATION_NAME
    )[0][0]


def _until(predicate, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("not within the time allowed")


def state_sources(log_path, after: int) -> list[str]:
    """`state_from` of the request log lines for `/` written after byte `after`."""
    sources = []
    for line in log_path.read_bytes()[after:].decode(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("path") == "/" and "state_from" in record:
            sources.append(record["state_from"])
    return sources


def test_workers_answer_hits_from_what_they_were_told_and_recover_a_lost_listener(site):
    server = site.web_server("listening", workers=2, DJANGO_LOG_LEVEL="INFO")
    try:
        # Requests on new connections reach both workers soon enough; each then listens.
        _until(lambda: get(server, "/").status == 200 and listeners(site) == 2)
        offset = server.log_path.stat().st_size
        for _ in range(20):
            assert get(server, "/").headers["X-Cache"] == "hit"
        assert set(state_sources(server.log_path, offset)) == {"listener"}

        # A publish from a process of its own returns once both workers have it.
        title, _url = publish_an_issue(site, 990_101)
        for _ in range(4):
            page = get(server, "/")
            assert title in page.text

        # Both listeners' connections killed: requests read the state meanwhile, a publish
        # made then is shown at once...
        killed = _sql(
            site,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            APPLICATION_NAME,
        )[0][0]
        assert killed == 2
        title, _url = publish_an_issue(site, 990_102)
        assert title in get(server, "/").text
        # ...and the listeners come back by themselves, with no request needed.
        _until(lambda: listeners(site) == 2)
        offset = server.log_path.stat().st_size
        for _ in range(10):
            assert title in get(server, "/").text
        assert set(state_sources(server.log_path, offset)) == {"listener"}
    finally:
        server.stop()
