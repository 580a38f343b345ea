"""The load benchmark's rows count every request that went wrong, read from a real wrk.

wrk drives small loopback servers that misbehave on purpose: one that never answers, one
that answers 500, one that answers after longer than the benchmark's timeout. The row
bench/run.py makes of wrk's summary (through bench/report.lua) must show each as errors:
a row that completed no request never reads "0 errors".
"""

import importlib.util
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parents[2] / "bench" / "run.py"
WRK = shutil.which("wrk")

pytestmark = pytest.mark.skipif(WRK is None, reason="wrk (Debian package) is not installed")


def bench_run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Handler(BaseHTTPRequestHandler):
    status = 200
    delay = 0.0
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the name http.server calls
        time.sleep(self.delay)
        body = b"ok"
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def silent_port():
    """A server that accepts every connection and reads, but never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_row_in_which_the_server_never_answers_counts_every_connection_as_an_error(
    silent_port,
):
    run = bench_run()
    row = run.wrk(WRK, silent_port, "silent", "/", 4, 2, None)
    assert row.requests == 0
    assert row.errors >= 4
    assert "no answer on any of 4 connections" in row.detail


def test_answers_of_500_are_status_errors():
    class Failing(Handler):
        status = 500

    server = serve(Failing)
    try:
        row = bench_run().wrk(WRK, server.server_address[1], "failing", "/", 2, 1, None)
    finally:
        server.shutdown()
    assert row.requests > 0
    assert row.errors == row.requests
    assert row.detail == f"status {row.requests}"


def test_answers_slower_than_the_timeout_are_timeout_errors():
    class Slow(Handler):
        delay = 1.5  # the benchmark's timeout is 1 s for a 3 s row

    server = serve(Slow)
    try:
        row = bench_run().wrk(WRK, server.server_address[1], "slow", "/", 2, 3, None)
    finally:
        server.shutdown()
    assert row.errors > 0
    assert "timeout" in row.detail


def test_a_healthy_row_has_no_errors():
    server = serve(Handler)
    try:
        row = bench_run().wrk(WRK, server.server_address[1], "healthy", "/", 2, 1, None)
    finally:
        server.shutdown()
    assert row.requests > 0
    assert (row.errors, row.detail) == (0, "")
    assert 0 < row.p50_ms <= row.p99_ms


def test_the_table_says_which_errors_a_row_had(silent_port):
    run = bench_run()
    row = run.wrk(WRK, silent_port, "silent", "/", 4, 2, None)
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

    run.print_table([row], out=Out())
    table = "".join(lines)
    assert "silent at 4 connections: errors: no answer on any of 4 connections" in table
    header, first, *_ = table.splitlines()
    assert first.split()[-2] == str(row.errors) != "0"


def test_every_request_asks_for_compressed_bytes_as_a_browser_does():
    seen = []

    class Recording(Handler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            seen.append(self.headers.get("Accept-Encoding"))
            super().do_GET()

    server = serve(Recording)
    try:
        run = bench_run()
        run.wrk(WRK, server.server_address[1], "page", "/", 2, 1, None)
        run.wrk(WRK, server.server_address[1], "plain", "/", 2, 1, None, "identity")
    finally:
        server.shutdown()
    assert set(seen) == {run.ACCEPT_ENCODING, "identity"}
