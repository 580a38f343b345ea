"""The database stops under a running web server: readers get a 503 page (or the page the
response cache holds), the admin says the database is unreachable, and every request
succeeds again once it is back, with no restart of the app."""

import re

import pytest


@pytest.fixture(scope="module")
def server(site):
    # One worker: the requests of a test share one process, its cache and its connection.
    server = site.web_server("outage", workers=1)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def editor_cookie(site):
    return site.session_cookie("editor")


def test_with_the_database_stopped_readers_get_a_503_page_in_the_sites_look(
    server, database_stopped
):
    answer = server.get("/papers/?never-cached", headers={"X-Request-ID": "outage-reader-1"})

    assert answer.status == 503
    assert answer.headers["Retry-After"] == "30"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Request-ID"] == "outage-reader-1"
    assert "Back in a moment" in answer.text
    assert 'class="site-header"' in answer.text  # the site's own page, navigation and all
    assert "<code>outage-reader-1</code>" in answer.text
    assert "Traceback" not in answer.text and "OperationalError" not in answer.text


def test_a_page_cached_before_the_outage_is_still_served_marked_stale(server, site):
    fresh = server.get("/issues/")
    assert fresh.status == 200

    site.postgres.stop()
    try:
        stale = server.get("/issues/")
    finally:
        site.postgres.start()

    assert stale.status == 200
    assert stale.headers["X-Cache"] == "stale"
    assert stale.headers["Cache-Control"] == "public, max-age=0, s-maxage=0, must-revalidate"
    assert stale.body == fresh.body


def test_the_admin_says_the_database_is_unreachable(server, database_stopped, editor_cookie):
    answer = server.get("/admin/newsletter/issue/", headers={"Cookie": editor_cookie})

    assert answer.status == 503
    assert answer.headers["Retry-After"] == "30"
    assert "The database is unreachable" in answer.text
    assert re.search(r"<code>[0-9a-f]{32}</code>", answer.text)
    assert "Traceback" not in answer.text


def test_readyz_fails_and_healthz_holds_while_the_database_is_down(server, database_stopped):
    ready = server.get("/readyz")
    live = server.get("/healthz")

    assert ready.status == 503
    assert '"database": "unreachable"' in ready.text
    assert live.status == 200


def test_everything_answers_again_once_the_database_is_back(server, site, editor_cookie):
    site.postgres.stop()
    assert server.get("/search/?q=outage").status == 503
    site.postgres.start()

    assert server.get("/search/?q=outage").status == 200
    assert server.get("/readyz").status == 200
    assert server.get("/admin/newsletter/issue/", headers={"Cookie": editor_cookie}).status == 200


def test_a_quick_restart_between_two_requests_fails_neither(server, site, editor_cookie):
    assert server.get("/admin/", headers={"Cookie": editor_cookie}).status == 200

    site.postgres.stop()  # the worker's kept connection dies with the server
    site.postgres.start()

    # The kept connection is checked before reuse (CONN_HEALTH_CHECKS), and replaced.
    assert server.get("/admin/", headers={"Cookie": editor_cookie}).status == 200
    assert server.get("/archive-that-is-not/").status == 404
