"""Public pages from a real streaming replica, never staler than the primary.

A PostgreSQL primary of the test's own, a hot standby made from it with pg_basebackup
that streams and replays its WAL, and the web server in production settings with
DATABASE_URL on the primary and DATABASE_REPLICA_URL on the standby. Public pages are
read from the standby while it has replayed the primary's publication state; when its
replay is paused (pg_wal_replay_pause) a publish on the primary is still on every page at
once, rendered from the primary; when replay resumes, pages come from the standby again.
"""

import contextlib
import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.helpers.servers import Postgres, collect_static, manage, production_env
from tests.helpers.standby import Standby, connect, query_one

# Create an issue on the primary and publish it through the workflow; print the generation.
_PUBLISH = """
from newsletter.models import Issue, Item, PublicationState, Section
from tests.helpers.workflow import publish

issue = Issue.objects.create(
    number={number}, title="{title}", slug="issue-{number}", summary="What happened this month."
)
section = Section.objects.create(issue=issue, title="News", position=0)
Item.objects.create(
    section=section, title="{title}: the story", url="https://example.com/{number}",
    body="A paragraph about it.", position=0,
)
publish(issue)
print(PublicationState.objects.get().generation)
"""

GENERATION = "SELECT coalesce((SELECT generation FROM newsletter_publicationstate WHERE id = 1), 0)"
REVISION_SCANS = (
    "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
    "WHERE relname = 'newsletter_revision'"
)


def public_paths(number: int, title: str) -> dict[str, str]:
    """Every kind of public read, and what each shows of issue `number` once it is live."""
    page = f"/issues/{number}-issue-{number}/"
    return {
        "/": title,
        "/issues/": title,
        page: title,
        "/feed/atom/": title,
        "/feed/rss/": title,
        "/sitemap.xml": page,
        "/api/issues/": title,
        f"/api/issues/{number}/": title,
        f"/search/?q={title.split()[-1].lower()}": title,
    }


class Replicated:
    def __init__(self, root: Path):
        self.root = root
        self.primary = Postgres(root / "primary")
        self.env = production_env(self.primary.url, root / "static", root / "media")
        self.setup_env = {**self.env, "DJANGO_DEMO": "1", "DJANGO_LOG_LEVEL": "WARNING"}
        manage(self.setup_env, "migrate", "--noinput")
        collect_static(root / "static")
        self.publish(1, "First light")  # something to read before the standby is made
        self.standby = Standby(self.primary, root / "standby")

    def publish(self, number: int, title: str) -> int:
        """Publish a new issue on the primary; the primary's generation after it."""
        script = _PUBLISH.format(number=number, title=title)
        return int(manage(self.setup_env, "shell", "-c", script).strip().splitlines()[-1])

    def generations(self) -> tuple[int, int]:
        return query_one(self.primary.url, GENERATION), query_one(self.standby.url, GENERATION)

    def wait_for_replay(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (gens := self.generations())[1] < gens[0]:
            if time.monotonic() > deadline:
                raise AssertionError(f"the standby did not catch up: {gens}")
            time.sleep(0.05)

    def standby_revision_reads(self) -> int:
        return query_one(self.standby.url, REVISION_SCANS)

    def standby_read_revisions_since(self, before: int, timeout: float = 30) -> bool:
        """Whether the standby counted revision reads past `before`: a backend reports its
        counts when idle for a while, so give the app's kept connections time to tell."""
        deadline = time.monotonic() + timeout
        while self.standby_revision_reads() <= before:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
        return True

    def close(self) -> None:
        self.standby.close()
        self.primary.close()


@pytest.fixture(scope="module")
def replicated():
    root = Path(tempfile.mkdtemp(prefix="newsletter-replica-"))
    root.chmod(0o755)  # the clusters run as pgserver's own user when the tests run as root
    try:
        replicated = Replicated(root)
        yield replicated
        replicated.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def app(replicated):
    from tests.helpers.servers import WebServer

    env = {
        **replicated.env,
        "DATABASE_REPLICA_URL": replicated.standby.url,
        "DATABASE_REPLICA_RETRY_AFTER": "1",
        "DJANGO_LOG_FORMAT": "json",
    }
    server = WebServer(env, replicated.root / "web.log", workers=2)
    yield server
    server.stop()


def read_from(answer) -> str | None:
    return answer.headers.get("X-Read-From")


def log_lines(app) -> list[dict]:
    lines = []
    for line in app.log_path.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_a_standby_is_really_streaming_and_read_only(replicated):
    assert query_one(replicated.standby.url, "SELECT pg_is_in_recovery()") is True
    assert query_one(replicated.primary.url, "SELECT count(*) FROM pg_stat_replication") == 1
    replicated.wait_for_replay()


def test_public_pages_are_read_from_the_replica_once_it_has_replayed(replicated, app):
    replicated.wait_for_replay()
    before = replicated.standby_revision_reads()

    answers = {path: app.get(path) for path in public_paths(1, "First light")}

    assert {path: a.status for path, a in answers.items()} == dict.fromkeys(answers, 200)
    assert {path: read_from(a) for path, a in answers.items()} == dict.fromkeys(answers, "replica")
    assert all(shown in answers[p].text for p, shown in public_paths(1, "First light").items())
    # The pages' queries ran on the standby itself.
    assert replicated.standby_read_revisions_since(before)
    # A page from the cache reads nothing at all: no header.
    for _ in range(4):  # each web worker has its own cache
        again = app.get("/")
    assert again.headers["X-Cache"] == "hit" and read_from(again) is None


def test_readyz_reports_the_replica(app):
    answer = app.get("/readyz")
    assert answer.status == 200
    assert json.loads(answer.text) == {"status": "ok", "database": "ok", "replica": "ok"}


def test_the_admin_reads_the_primary(app):
    answer = app.get("/admin/login/")
    assert answer.status == 200 and read_from(answer) is None


def test_a_publish_is_served_at_once_from_the_primary_while_the_replica_lags(replicated, app):
    replicated.wait_for_replay()
    log_start = len(log_lines(app))
    replicated.standby.pause()
    stale, served_by = [], []
    try:
        for number, title in [(2, "Second wind"), (3, "Third time lucky")]:
            primary_generation = replicated.publish(number, title)
            assert replicated.generations()[1] < primary_generation  # the lag is real
            expected = public_paths(number, title)
            for path in [*expected, *expected]:  # the second round is mostly cache hits
                answer = app.get(path)
                assert answer.status == 200, (path, answer.text[:500])
                if expected[path] not in answer.text:
                    stale.append(path)
                served_by.append((path, read_from(answer), answer.headers.get("X-Cache")))
        assert replicated.generations()[1] < primary_generation  # still behind at the end
    finally:
        replicated.standby.resume()

    assert stale == []  # zero stale responses
    misses = [entry for entry in served_by if entry[2] == "miss"]
    hits = [entry for entry in served_by if entry[2] == "hit"]
    assert misses and {source for _path, source, _cache in misses} == {"primary"}
    assert {source for _path, source, _cache in hits} <= {None}
    lines = log_lines(app)[log_start:]
    logged = [line for line in lines if line.get("read_from") == "primary"]
    behind = [line for line in lines if "replica is behind" in line.get("message", "")]
    assert len(logged) == len(behind) == len(misses)
    assert all(line["replica_generation"] < line["primary_generation"] for line in behind)
    print(
        f"\nlag: {len(served_by)} requests, {len(misses)} rendered from the primary "
        f"(replica behind), {len(hits)} from the cache, 0 stale"
    )


def test_when_replay_resumes_pages_come_from_the_replica_again(replicated, app):
    replicated.standby.resume()
    replicated.wait_for_replay()
    primary_generation = replicated.publish(4, "Fourth estate")
    replicated.wait_for_replay()
    assert replicated.generations() == (primary_generation, primary_generation)
    before = replicated.standby_revision_reads()

    expected = public_paths(4, "Fourth estate")
    answers = {path: app.get(path) for path in expected}

    assert {path: read_from(a) for path, a in answers.items()} == dict.fromkeys(answers, "replica")
    assert all(shown in answers[path].text for path, shown in expected.items())
    assert replicated.standby_read_revisions_since(before)


def test_a_replica_that_is_down_leaves_the_site_on_the_primary(replicated, app):
    replicated.wait_for_replay()
    replicated.standby.stop()
    try:
        primary_generation = replicated.publish(5, "Fifth column")
        expected = public_paths(5, "Fifth column")
        answers = {path: app.get(path) for path in expected}
        assert {path: a.status for path, a in answers.items()} == dict.fromkeys(answers, 200)
        assert {read_from(a) for a in answers.values()} == {"primary"}
        assert all(shown in answers[path].text for path, shown in expected.items())
        # Ready all the same: the primary serves every page.
        for _ in range(4):  # each worker finds out for itself
            ready = app.get("/readyz")
            assert ready.status == 200
            assert json.loads(ready.text) == {
                "status": "ok",
                "database": "ok",
                "replica": "unreachable, pages read the primary",
            }
    finally:
        replicated.standby.start()
    replicated.wait_for_replay()
    assert replicated.generations()[1] == primary_generation
    time.sleep(1.1)  # DATABASE_REPLICA_RETRY_AFTER: then each worker tries the standby again
    replicated.publish(6, "Sixth sense")
    replicated.wait_for_replay()
    sources = {read_from(app.get(path)) for path in public_paths(6, "Sixth sense")}
    assert sources == {"replica"}
    assert {json.loads(app.get("/readyz").text)["replica"] for _ in range(4)} == {"ok"}


def test_a_query_failing_on_the_replica_half_way_is_answered_from_the_primary(replicated):
    from tests.helpers.servers import WebServer

    # A login that may read the publication state but no revision: on the standby, the
    # freshness check passes and then the page's first query fails, as a query the
    # standby cancels (a conflict with the WAL it replays) would.
    with contextlib.closing(connect(replicated.primary.url)) as conn:
        conn.execute("CREATE ROLE state_only LOGIN")
        conn.execute("GRANT SELECT ON newsletter_publicationstate TO state_only")
    replicated.publish(7, "Seventh seal")
    replicated.wait_for_replay()
    url = replicated.standby.url.replace("postgres:@", "state_only:@")
    env = {**replicated.env, "DATABASE_REPLICA_URL": url, "DJANGO_LOG_FORMAT": "json"}
    server = WebServer(env, replicated.root / "web-state-only.log")
    try:
        expected = public_paths(7, "Seventh seal")
        answers = {path: server.get(path) for path in expected}
    finally:
        server.stop()

    assert {path: a.status for path, a in answers.items()} == dict.fromkeys(answers, 200)
    assert {read_from(a) for a in answers.values()} == {"primary"}
    assert all(shown in answers[path].text for path, shown in expected.items())
