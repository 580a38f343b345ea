"""One JSON line per request in production, naming the request by the id its response
carries and its error page shows: read from the log of the real web server."""

import json
import re
import time

import pytest


@pytest.fixture(scope="module")
def server(site):
    server = site.web_server("request-log", workers=1)
    yield server
    server.stop()


def request_lines(server, request_id, *, wait=5.0):
    """The log's request lines for `request_id`, as dicts (the worker may write a moment
    after the answer)."""
    deadline = time.monotonic() + wait
    while True:
        lines = [
            json.loads(line)
            for line in server.log().splitlines()
            if line.startswith("{") and request_id in line
        ]
        found = [line for line in lines if line["logger"] == "operations.request_log"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_each_request_writes_one_json_line_with_its_id_method_path_status_and_duration(server):
    answer = server.get("/issues/?page=1", headers={"X-Request-ID": "lb-7f3a-0001"})

    assert answer.status == 200
    assert answer.headers["X-Request-ID"] == "lb-7f3a-0001"
    [line] = request_lines(server, "lb-7f3a-0001")
    assert line["level"] == "INFO"
    assert line["request_id"] == "lb-7f3a-0001"
    assert line["method"] == "GET"
    assert line["path"] == "/issues/"  # no query string: it may hold what someone searched
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert "user_id" not in line  # nobody logged in
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_a_logged_in_request_names_its_user(server, site):
    answer = server.get(
        "/admin/", headers={"Cookie": site.session_cookie("editor"), "X-Request-ID": "staff-1"}
    )

    assert answer.status == 200
    [line] = request_lines(server, "staff-1")
    assert isinstance(line["user_id"], int)


@pytest.mark.parametrize(
    "given",
    ["has spaces", "x" * 129, "<script>", "a\tb", ""],
    ids=["spaces", "too-long", "markup", "tab", "empty"],
)
def test_an_unfit_request_id_is_replaced_by_a_new_one(server, given):
    answer = server.get("/healthz", headers={"X-Request-ID": given})

    assert answer.headers["X-Request-ID"] != given
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])


def test_a_missing_page_shows_the_request_id_its_log_line_names(server):
    answer = server.get("/no-such-page/")
    request_id = answer.headers["X-Request-ID"]

    assert answer.status == 404
    assert f"<code>{request_id}</code>" in answer.text
    [line] = request_lines(server, request_id)
    assert line["status"] == 404


def test_request_ids_are_new_for_every_request_in_every_worker(site):
    """Two worker processes of the real server, many connections: no id comes twice (each
    worker's generator is its own, as a forked or spawned process seeds it anew)."""
    two = site.web_server("request-ids", workers=2)
    try:
        # A new connection each request, so both workers answer.
        ids = [two.get("/healthz").headers["X-Request-ID"] for _ in range(200)]
    finally:
        two.stop()
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
    assert len(set(ids)) == len(ids) == 200
