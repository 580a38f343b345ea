"""Load benchmark of the public pages, served by the web server in its production configuration.

Run it with `make bench` (or `.venv/bin/python bench/run.py --help`). It installs `wrk`
(Debian's package) if it is missing, builds the scale data (`generate_bench_data`),
starts the production web command (`python -m config.serve`: granian; `--server gunicorn`
for `config/gunicorn.py`) on a free loopback port with production settings,
drives every page with wrk at 1, 16 and 64 connections (at 16, in rounds: `combined`),
twice (`--runs`) on the same workers, and prints a table of the first and the last run (a
line for each run between) with each page's throughput as a ratio to a static file of the
issue page's bytes served by the same server and whitenoise (the ceiling).
Then it times a publish of an issue with 20 pictures and how long the site takes to show
it, and unpublishes what it published. See bench/README.md.
"""

import argparse
import http.client
import io
import json
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only: the benchmark never listens on a public interface
CEILING = "static file (ceiling)"
CEILING_PATH = "/static/bench/ceiling.html"
# The feed's own bytes as a static file: what a response of the feed's size costs the
# server, beside the ceiling of the issue page's size.
FEED_BYTES = "static file, the feed's bytes"
FEED_BYTES_PATH = "/static/bench/feed-bytes.xml"
STATIC_COPIES = {CEILING: ("issue page", CEILING_PATH), FEED_BYTES: ("RSS feed", FEED_BYTES_PATH)}
SEARCH_TERMS = ROOT / "var" / "bench" / "search-terms.txt"  # what search.lua asks
CONNECTIONS = (1, 16, 64)
# Where a target is judged (the pages at 16 connections, search at 1), every row is driven
# ROUNDS times, the rows in turn, each round's ratio taken to that round's ceiling; the
# table gives the medians and the worst p99, so that one slow moment of a shared machine
# is not a result (search for one reader answers some 200 queries in 5 s: one round's p99
# is its second slowest).
TARGET_CONNECTIONS, ROUNDS = 16, 3
ROUNDS_AT = (1, TARGET_CONNECTIONS)
# What Chromium sends: every browser and feed reader asks for compressed bytes. The site
# stores Brotli and gzip copies of each page (newsletter/reader/compression.py) and the
# ceiling is given the same bytes in each encoding. --accept-encoding identity measures
# uncompressed bytes (what wrk sends by itself).
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
ENCODING_SUFFIXES = {"br": ".br", "gzip": ".gz"}  # whitenoise serves them beside the file
# The targets in bench/README.md: the pages' at 16 connections, search's for one reader
# (a query never asked before, at 1 connection; the table shows 16 and 64 as well).
TARGET_RATIO, TARGET_P99_MS, TARGET_SEARCH_P99_MS, TARGET_MEMORY_MB = 0.70, 20.0, 50.0, 120.0
PAGE_TARGETS = ("issue page", "home", "RSS feed", "archive page 20")  # ratio and p99 at 16


# wrk counts a request still unanswered after this long as a timeout error (and leaves it
# out of the latencies). It must be well under a row's duration: wrk checks every 2 s, and a
# request in flight when the row ends is counted nowhere else. wrk takes whole seconds.
TIMEOUT_S = 2
ERROR_KINDS = ("connect", "read", "write", "status", "timeout")


@dataclass
class Row:
    name: str
    connections: int
    requests: int
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio: float = 0.0
    worst_p99_ms: float = float("nan")  # the highest p99 of the row's rounds
    rounds: int = 1
    detail: str = ""  # the errors by kind, e.g. "timeout 12, read 3"
    drain_s: float = 0.0  # how long the server stayed busy after the row ended


@dataclass
class Memory:
    """A worker's memory (MB) from /proc/<pid>/smaps_rollup. RSS counts every page the
    worker maps, also those it still shares with the arbiter and the other workers
    (preload_app: the code and data imported before the fork); PSS divides each shared
    page among the processes sharing it; USS is what the worker alone holds, the memory
    that stopping it would give back."""

    rss: float
    pss: float
    uss: float

    @classmethod
    def of(cls, pid: int) -> "Memory":
        fields = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value, *_ = line.split()
            fields[name.rstrip(":")] = int(value) / 1024
        uss = fields["Private_Clean"] + fields["Private_Dirty"]
        return cls(rss=fields["Rss"], pss=fields["Pss"], uss=uss)


def parse_summary(output: str, name: str, connections: int) -> Row:
    """The row from wrk's output and report.lua's `BENCH {...}` line.

    Every error wrk counted is an error of the row. A row in which no request at all was
    answered has at least one error per connection, whatever wrk counted: each connection
    waited the whole row (wrk counts a timeout only at its checks, and never one still in
    flight when the row ends), so "0 errors" would hide a server that did not answer.
    """
    line = next((x for x in output.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH summary for {name}:\n{output}")
    data = json.loads(line.removeprefix("BENCH "))
    kinds = {kind: int(data["errors"].get(kind, 0)) for kind in ERROR_KINDS}
    detail = ", ".join(f"{kind} {n}" for kind, n in kinds.items() if n)
    errors = sum(kinds.values())
    if data["requests"] == 0:
        errors = max(errors, connections)
        detail = ", ".join(filter(None, [f"no answer on any of {connections} connections", detail]))
    answered = data["requests"] > 0
    return Row(
        name=name,
        connections=connections,
        requests=data["requests"],
        rate=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000 if answered else float("nan"),
        p99_ms=data["p99_us"] / 1000 if answered else float("nan"),
        errors=errors,
        detail=detail,
        worst_p99_ms=data["p99_us"] / 1000 if answered else float("nan"),
    )


# Preparing the data and the server


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing wrk (Debian package)…", flush=True)
    apt = ["apt-get"] if os.geteuid() == 0 else ["sudo", "apt-get"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*apt, "update", "-qq"], check=True, env=env)  # noqa: S603
    subprocess.run([*apt, "install", "-y", "-qq", "wrk"], check=True, env=env)  # noqa: S603
    return shutil.which("wrk") or "/usr/bin/wrk"


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def prepare_data(issues: int) -> dict[str, str]:
    """Migrate, load the demo and the scale data; return the paths to measure."""
    from django.core.management import call_command
    from django.db import connections

    from newsletter.models import Revision

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", verbosity=0)
    started = time.monotonic()
    call_command("generate_bench_data", issues=issues)
    built = time.monotonic() - started
    latest_bench = (
        Revision.objects.live()
        .filter(issue__slug__startswith="bench-issue-")
        .order_by("-issue__number")
        .first()
    )
    withdrawn = withdraw_publish_checks()
    live = Revision.objects.live().count()
    import search_terms  # bench/search_terms.py, beside this script

    terms = search_terms.write(SEARCH_TERMS)
    flushed = flush_writes()
    connections.close_all()
    print(
        f"Scale data: {live} live issues ({built:.1f} s to make sure of {issues}; "
        f"{withdrawn} publish checks of earlier runs unpublished)."
    )
    print(f"Written to disk before measuring (CHECKPOINT, sync): {flushed}.")
    print(f"Search terms: {terms:,} in {SEARCH_TERMS.relative_to(ROOT)}.")
    return {
        "issue page": latest_bench.get_absolute_url(),
        "home": "/",
        "archive page 20": "/issues/?page=20",
        "papers index": "/papers/",
        "search (new query)": "/search/",
        "RSS feed": "/feed/rss/",
        "304 revalidation": latest_bench.get_absolute_url(),
        CEILING: CEILING_PATH,
        FEED_BYTES: FEED_BYTES_PATH,
    }


def flush_writes() -> str:
    """Write what making the data left in memory to disk now, so that no row is measured
    while PostgreSQL's checkpoint or the kernel's writeback of it takes the machine's cores
    (the first rows after a fresh load were: the issue page at 16 connections 0.27 of the
    ceiling in a run's first pass, 1.03 in its second). What it took, for the output."""
    from django.db import DatabaseError, connection

    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
        checkpoint = f"checkpoint {time.monotonic() - started:.1f} s"
    except DatabaseError as error:  # CHECKPOINT needs a superuser or pg_checkpoint
        checkpoint = f"no checkpoint ({str(error).strip().splitlines()[0]})"
    synced = time.monotonic()
    os.sync()
    return f"{checkpoint}, sync {time.monotonic() - synced:.1f} s"


def database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from config import embedded_db

    return embedded_db.database_url()


def production_env(static_root: str) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!#%&()*+-:;<=>?@^_~"
    return {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_LOG_LEVEL": "WARNING",
        "GUNICORN_LOG_LEVEL": "warning",
        # Resolved once here so that the workers do not each go looking for the server.
        "DATABASE_URL": database_url(),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers=None) -> tuple[int, bytes, http.client.HTTPMessage]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        # The headers as received, looked up case-insensitively: granian sends lowercase names.
        return response.status, response.read(), response.headers
    finally:
        conn.close()


SERVERS = ("granian", "gunicorn")
SERVER_NAMES = {
    "granian": "granian (python -m config.serve)",
    "gunicorn": "gunicorn (config/gunicorn.py, gthread)",
}


class Server:
    """The web server on a free loopback port: granian (`python -m config.serve`, the
    production command) or gunicorn with config/gunicorn.py."""

    def __init__(
        self, env: dict[str, str], log_path: Path, workers: int, threads: int, kind: str = "granian"
    ):
        self.port = free_port()
        self.log_path = log_path
        env = {
            **env,
            "GUNICORN_BIND": f"{HOST}:{self.port}",
            "WEB_BIND": f"{HOST}:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "WEB_THREADS": str(threads),
        }
        if kind == "gunicorn":
            command = ["-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
        else:
            command = ["-m", "config.serve"]
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
                [sys.executable, *command],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.process.returncode}")
            try:
                if get(self.port, "/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer on port {self.port} within {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def worker_memory(self) -> list[Memory]:
        return [Memory.of(pid) for pid in self.worker_pids()]

    def wait_until_idle(self, probe_path: str, probes: int, timeout: float = 120) -> float:
        """Wait until the workers have finished what the last row left queued; return how
        long that took. wrk stops sending when a row ends, but the requests it sent are
        still in each worker's queue (first in, first out), and the next row would be
        measured behind them. So: `probes` requests of a static file at once, again until
        every one is answered within 100 ms."""

        def probe(_):
            started = time.monotonic()
            get(self.port, probe_path)
            return time.monotonic() - started

        started = time.monotonic()
        with ThreadPoolExecutor(probes) as pool:
            while time.monotonic() - started < timeout:
                if max(pool.map(probe, range(probes))) < 0.1:
                    break
        return time.monotonic() - started

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def env_for(tmp) -> dict[str, str]:
    """Production settings, with the static files collected into `tmp`/static."""
    return production_env(str(Path(tmp) / "static"))


def prepare_static(tmp: Path, paths, make_server, accept_encoding: str):
    """Collect the static files into `tmp` with production settings and write the static
    copies (`STATIC_COPIES`): the issue page's very bytes as a static file (the ceiling),
    and the feed's, each in every encoding the site serves it in (the Brotli and gzip
    bytes beside it, as whitenoise looks for them). whitenoise reads the static folder when
    it starts, so a first server, `make_server(env)`, gives the bytes. Returns the
    environment to serve with, the bytes of each row's answer and the issue page's
    uncompressed size."""
    env = env_for(tmp)
    static_root = Path(env["DJANGO_STATIC_ROOT"])
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    accept = {"Accept-Encoding": accept_encoding}
    copies = {}  # the static path: {suffix: bytes}, "" for the identity bytes
    server = make_server(env)
    try:
        server.wait_until_ready()
        for source, static_path in STATIC_COPIES.values():
            if source not in paths:
                continue
            status, plain, _ = get(server.port, paths[source])
            assert status == 200, (source, status)
            copies[static_path] = {"": plain}
            for encoding, suffix in ENCODING_SUFFIXES.items():
                asked = {"Accept-Encoding": encoding}
                status, body, headers = get(server.port, paths[source], asked)
                assert status == 200, (source, status)
                if headers.get("Content-Encoding") == encoding:
                    copies[static_path][suffix] = body
        served = {}
        for name, path in paths.items():  # the bytes each row's answer carries
            if not name.startswith(("static", "304")):
                probe = path if path != "/search/" else "/search/?q=model"
                served[name] = len(get(server.port, probe, accept)[1])
    finally:
        server.stop()
    for static_path, bodies in copies.items():
        copy = static_root / static_path.removeprefix("/static/")
        copy.parent.mkdir(parents=True, exist_ok=True)
        for suffix, body in bodies.items():
            copy.with_name(copy.name + suffix).write_bytes(body)
    return env, served, len(copies[CEILING_PATH][""])


# Driving it


def wrk(
    binary: str,
    port: int,
    name: str,
    path: str,
    connections: int,
    duration: float,
    etag,
    accept_encoding: str = ACCEPT_ENCODING,
):
    script = BENCH / ("search.lua" if name.startswith("search") else "report.lua")
    env = {
        **os.environ,
        "BENCH_SEED": str(random.randrange(10**9)),
        "BENCH_REPORT": str(BENCH / "report.lua"),
        "BENCH_SEARCH_TERMS": str(SEARCH_TERMS),
    }
    if etag:
        env["BENCH_IF_NONE_MATCH"] = etag
    output = subprocess.run(  # noqa: S603 - a fixed command line
        [
            binary,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            f"{max(1, min(TIMEOUT_S, int(duration / 2)))}s",
            "-H",
            f"Accept-Encoding: {accept_encoding}",
            "-s",
            str(script),
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return parse_summary(output, name, connections)


def run_matrix(
    binary, server, paths, duration, etag, probes: int, accept: str, rounds: int = ROUNDS
) -> list[Row]:
    """Every row at each level of connections: `rounds` times at the levels of `ROUNDS_AT`,
    the rows in turn, combined by `combined`; once at the others."""
    rows = []
    for connections in CONNECTIONS:
        taken = {name: [] for name in paths}
        for _ in range(rounds if connections in ROUNDS_AT else 1):
            for name, path in paths.items():
                tag = etag if name.startswith("304") else None
                row = wrk(binary, server.port, name, path, connections, duration, tag, accept)
                row.drain_s = server.wait_until_idle(CEILING_PATH, probes)
                taken[name].append(row)
        rows.extend(combined(taken[name], taken[CEILING]) for name in paths)
    return rows


def combined(rounds: list[Row], ceilings: list[Row]) -> Row:
    """One row from its rounds: the medians of req/s, p50, p99 and of the ratio to the
    same round's ceiling; the worst p99; every request and error; the longest drain."""
    ratios = [r.rate / c.rate if c.rate else 0.0 for r, c in zip(rounds, ceilings, strict=True)]
    first = rounds[0]
    return Row(
        name=first.name,
        connections=first.connections,
        requests=sum(r.requests for r in rounds),
        rate=statistics.median(r.rate for r in rounds),
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=statistics.median(r.p99_ms for r in rounds),
        errors=sum(r.errors for r in rounds),
        ratio=statistics.median(ratios),
        detail="; ".join(r.detail for r in rounds if r.detail),
        drain_s=max(r.drain_s for r in rounds),
        worst_p99_ms=max(r.worst_p99_ms for r in rounds),
        rounds=len(rounds),
    )


def print_table(rows: list[Row], out=sys.stdout) -> None:
    """A row of several rounds shows their medians and its worst p99 (`combined`)."""
    header = (
        "page",
        "conns",
        "rounds",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "worst p99",
        "errors",
        "÷ ceiling",
    )
    cells = [
        (
            r.name,
            str(r.connections),
            str(r.rounds),
            str(r.requests),
            f"{r.rate:.0f}",
            f"{r.p50_ms:.2f}" if r.requests else "-",
            f"{r.p99_ms:.2f}" if r.requests else "-",
            f"{r.worst_p99_ms:.2f}" if r.requests else "-",
            str(r.errors),
            f"{r.ratio:.2f}",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in (header, *cells)) for i in range(len(header))]
    lines = []
    for row in (header, *cells):
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]))
    for r in rows:
        if r.detail:
            lines.append(f"{r.name} at {r.connections} connections: errors: {r.detail}.")
        if r.drain_s > 1:
            lines.append(
                f"{r.name} at {r.connections} connections: the server was still busy "
                f"{r.drain_s:.1f} s after the row ended (the next row waited)."
            )
    print("\n".join(lines), file=out)


def run_summary(rows: list[Row]) -> str:
    """A run in one line, for the runs whose tables are not printed (`--runs` over 2): the
    pages' ratios and worst p99 at 16 connections, search's p99 for one reader, and every
    row with errors, with their kinds."""
    pages = [r for r in rows if r.name in PAGE_TARGETS and r.connections == TARGET_CONNECTIONS]
    search = [r for r in rows if r.name.startswith("search") and r.connections == 1]
    parts = []
    if pages:
        parts.append(
            f"pages at {TARGET_CONNECTIONS} connections {min(r.ratio for r in pages):.2f} to "
            f"{max(r.ratio for r in pages):.2f} of the ceiling, p99 at most "
            f"{max(r.p99_ms for r in pages):.1f} ms"
        )
    parts += [f"{r.name} at 1 connection p99 {r.p99_ms:.1f} ms" for r in search]
    failed = [
        f"{r.name} at {r.connections} connections {r.errors} ({r.detail or 'no answer'})"
        for r in rows
        if r.errors
    ]
    parts.append("errors: " + ("; ".join(failed) if failed else "none"))
    return "; ".join(parts)


def check_targets(rows: list[Row], memory_runs: list[list[Memory]]) -> list[str]:
    """The targets missed. Worker memory is judged by PSS: what each worker costs the
    machine, its own pages plus its share of those it shares (RSS would count the pages
    every worker shares with the arbiter once per worker)."""
    missed = []
    for row in rows:
        one_reader = row.name.startswith("search") and row.connections == 1
        if one_reader and row.p99_ms > TARGET_SEARCH_P99_MS:
            missed.append(
                f"search at 1 connection: p99 {row.p99_ms:.1f} ms (target {TARGET_SEARCH_P99_MS})"
            )
        if row.connections != TARGET_CONNECTIONS:
            continue
        if row.name in PAGE_TARGETS:
            if row.ratio < TARGET_RATIO:
                missed.append(f"{row.name}: {row.ratio:.2f} of the ceiling (target {TARGET_RATIO})")
            if row.p99_ms > TARGET_P99_MS:
                missed.append(f"{row.name}: p99 {row.p99_ms:.1f} ms (target {TARGET_P99_MS})")
    for row in rows:
        if row.errors:
            missed.append(f"{row.name} at {row.connections} connections: {row.errors} errors")
    first, last = (max(m.pss for m in run) for run in (memory_runs[0], memory_runs[-1]))
    if last > TARGET_MEMORY_MB:
        missed.append(f"worker memory (PSS) {last:.0f} MB (target {TARGET_MEMORY_MB:.0f})")
    if last > first * 1.05:
        missed.append(
            f"worker memory (PSS) grew from the first run to the last: {first:.0f} to {last:.0f} MB"
        )
    return missed


# Publishing and freshness


def picture(seed: int) -> bytes:
    """A 1600 x 900 photo-like JPEG, different for every seed (so it is a new upload)."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFilter

    rng = random.Random(seed)
    im = PILImage.new("RGB", (1600, 900), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(60):
        x, y = rng.randrange(1600), rng.randrange(900)
        r = rng.randrange(20, 300)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in "rgb"))
    im = im.filter(ImageFilter.GaussianBlur(3))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


class TaskWorker:
    """One background worker (`manage.py worker`, the database backend) on the bench's
    database, as `make run` and production run beside the web processes. `env` replaces
    the bench's own environment (bench/mail_sending.py runs workers with production
    settings); with `wait=False` several are started at once, then `wait_until_ready`."""

    def __init__(self, log_path: Path, env: dict | None = None, wait: bool = True):
        self.log_path = log_path
        if env is None:
            env = {**os.environ, "DATABASE_URL": database_url(), "TASKS_BACKEND": "database"}
            env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        # Written afresh: "ready" from an earlier run's worker must not count for this one.
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
                [sys.executable, "manage.py", "worker", "--interval", "0.1"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait:
            self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while "ready" not in self.log_path.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"the worker did not start:\n{self.log_path.read_text()[-2000:]}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()  # SIGTERM: it finishes the task in hand, then exits
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _publish_issue(run: int, tag: str, pictures, users) -> tuple:
    """Write an issue of 20 items showing `pictures`; submit, approve, publish it; return
    the issue and the seconds the three transitions took."""
    from demo.management.commands.generate_bench_data import create_bench_issue
    from demo.publication import walk_to_publication
    from newsletter.models import Issue, Item

    issue = create_bench_issue(
        10**6 + run % 10**6, Issue.next_number(), by=users["editor"], pictures=pictures[:1]
    )
    issue.slug = f"{PUBLISH_CHECKS}{run}{tag}"
    issue.title = f"Freshness check {run}{tag}"
    issue.save(update_fields=["slug", "title"])
    items = list(
        Item.objects.filter(section__issue=issue).order_by("section__position", "position")
    )
    for item, image in zip(items, pictures, strict=False):
        item.image = image
    Item.objects.bulk_update(items, ["image"])
    started = time.perf_counter()
    walk_to_publication(
        issue, editor=users["editor"], reviewer=users["reviewer"], publisher=users["publisher"]
    )
    return issue, time.perf_counter() - started


def measure_publish(port: int, log_dir: Path | None = None) -> dict[str, float]:
    """Upload 20 pictures with a background worker running, wait until it has made their
    renditions, write an issue of 20 items using them, submit, approve, publish; then read
    the home page until it shows the new issue. Then the worst case: 20 more pictures and
    an issue published right after the last upload, whose submit makes the renditions the
    worker has not made yet."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.db import connections

    from newsletter.content import images
    from newsletter.models import Image

    users = {u.username: u for u in get_user_model().objects.filter(username__in=ROLES)}
    run = int(time.time())

    def upload(files, tag):
        return [
            images.ingest(
                ContentFile(data, name=f"bench-{run}{tag}-{k}.jpg"),
                alt_text=f"Bench picture {k}",
                uploaded_by=users["editor"],
            )
            for k, data in enumerate(files)
        ]

    def all_made(pictures) -> bool:
        return not Image.objects.filter(pk__in=[p.pk for p in pictures], renditions=[]).exists()

    files = [picture(run * 100 + k) for k in range(20)]
    worst_files = [picture(run * 100 + 50 + k) for k in range(20)]
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        worker = TaskWorker(Path(log_dir or tmp) / "worker.log")
        try:
            started = time.perf_counter()
            pictures = upload(files, "")
            uploaded = time.perf_counter()
            while not all_made(pictures):
                if time.perf_counter() - uploaded > 120:
                    raise RuntimeError("the worker did not make the renditions within 120 s")
                time.sleep(0.02)
            made = time.perf_counter()
            issue, publishing = _publish_issue(run, "", pictures, users)
            published = time.perf_counter()
            polls = 0
            while True:
                polls += 1
                status, body, _ = get(port, "/")
                if status == 200 and issue.title.encode() in body:
                    break
                if time.perf_counter() - published > 30:
                    raise RuntimeError("the new issue did not appear on the home page within 30 s")
            seen = time.perf_counter()

            worst_started = time.perf_counter()
            worst = upload(worst_files, "w")
            worst_uploaded = time.perf_counter()
            missing = Image.objects.filter(pk__in=[p.pk for p in worst], renditions=[]).count()
            _issue, worst_publishing = _publish_issue(run, "w", worst, users)
        finally:
            worker.stop()
    connections.close_all()
    return {
        "upload": uploaded - started,
        "renditions_ready": made - started,
        "publish": publishing,
        "seen_after": seen - published,
        "polls": polls,
        "worst_upload": worst_uploaded - worst_started,
        "worst_missing": missing,
        "worst_publish": worst_publishing,
    }


def measure_freshness(port: int, rounds: int = 40) -> dict[str, float]:
    """End and restore the newest issue `rounds` times, each change committed and settled as a
    transition does (`live_state.settle`: until every web process has taken it in); then ask
    for the home page at once on two new connections (which may land on different workers):
    how many of those first answers already showed the change, and how long settling took."""
    from django.db import connections, transaction
    from django.utils import timezone

    from newsletter.models import Revision
    from newsletter.reader import live_state

    newest = Revision.objects.live().order_by("-go_live_at").first()
    title = newest.title.encode()
    asked = fresh = 0
    settling = []
    for k in range(rounds):
        ending = k % 2 == 0
        # The same trigger, and so the same notification, as an unpublish and a re-publish.
        with transaction.atomic():
            Revision.objects.filter(pk=newest.pk).update(ends_at=timezone.now() if ending else None)
        started = time.perf_counter()
        live_state.settle()
        settling.append(time.perf_counter() - started)
        for _ in range(2):
            status, body, _ = get(port, "/")
            asked += 1
            fresh += status == 200 and ((title in body) != ending)
    Revision.objects.filter(pk=newest.pk).update(ends_at=None)
    connections.close_all()
    settling.sort()
    return {
        "asked": asked,
        "fresh": fresh,
        "settle_p50_ms": settling[len(settling) // 2] * 1000,
        "settle_max_ms": settling[-1] * 1000,
    }


ROLES = ("editor", "reviewer", "publisher")
PUBLISH_CHECKS = "bench-publish-"  # the slugs of the issues measure_publish publishes


def withdraw_publish_checks() -> int:
    """Unpublish the issues the publish measurement made (this run's, or an earlier run's
    on a reused database), so every run measures the same live archive: left live, they
    became the newest issues, and the feed (the latest 10 in full) shrank from 101,817 to
    81,249 bytes of Brotli over three runs. Returns how many were withdrawn."""
    from django.contrib.auth import get_user_model

    from editorial import notifications
    from editorial.workflow import perform
    from newsletter.models import Issue, Revision

    publisher = get_user_model().objects.get(username="publisher")
    live = Revision.objects.live().filter(issue__slug__startswith=PUBLISH_CHECKS)
    issues = Issue.objects.filter(pk__in=live.values("issue_id"))
    with notifications.muted():
        for issue in issues:
            perform(issue, "unpublish", by=publisher)
    return len(issues)


def profile_row(binary, server, name: str, path: str, args, etag) -> tuple[Row, str]:
    """`name` driven at 16 connections while py-spy records every worker; the row and where
    the workers' time went (bench/worker_profile.py)."""
    import worker_profile  # bench/worker_profile.py, beside this script

    seconds = max(5.0, args.duration)
    tag = etag if name.startswith("304") else None
    recorders = worker_profile.start(server.worker_pids(), seconds - 1, name)
    row = wrk(binary, server.port, name, path, 16, seconds, tag, args.accept_encoding)
    files = worker_profile.finish(recorders)
    server.wait_until_idle(CEILING_PATH, 2 * args.workers * args.threads)
    where = files[0].parent.relative_to(ROOT)
    heading = (
        f"Profile of {row.name} at {row.connections} connections ({row.rate:.0f} req/s while "
        f"recorded; py-spy --nonblocking at {worker_profile.RATE} Hz, raw stacks in {where}/):"
    )
    return row, f"{heading}\n{worker_profile.summary(files)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per row (5)")
    parser.add_argument("--issues", type=int, default=1000, help="bench issues (1000)")
    parser.add_argument("--workers", type=int, default=2, help="web server processes (2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (2)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help=f"rounds of every row at 1 and {TARGET_CONNECTIONS} connections ({ROUNDS})",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=2,
        help="runs of every row on the same workers, worker memory measured after each (2); "
        "more show whether memory stops growing",
    )
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default=SERVERS[0],
        help="granian (python -m config.serve, the production command; the default) or "
        "gunicorn (config/gunicorn.py)",
    )
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="ROW",
        help='after the runs, py-spy every worker while wrk drives this row (e.g. "issue '
        'page") at 16 connections, and print where the time went; may be repeated',
    )
    parser.add_argument(
        "--accept-encoding",
        default=ACCEPT_ENCODING,
        help=f'every request\'s Accept-Encoding ("{ACCEPT_ENCODING}", as Chromium; "identity" '
        "for uncompressed bytes)",
    )
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs: at least 2 (memory growth is read between the first and the last)")

    binary = ensure_wrk()
    setup_django()
    paths = prepare_data(args.issues)
    unknown = [name for name in args.profile if name not in paths]
    if unknown:
        parser.error(f"no row named {unknown[0]!r}; the rows: {', '.join(paths)}")

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        log_path = Path(tmp) / "server.log"
        env, served, page_bytes = prepare_static(
            Path(tmp),
            paths,
            lambda env: Server(env, log_path, args.workers, args.threads, args.server),
            args.accept_encoding,
        )
        accept = {"Accept-Encoding": args.accept_encoding}

        server = Server(env, log_path, args.workers, args.threads, args.server)
        try:
            server.wait_until_ready()
            started = server.worker_memory()
            for path in paths.values():  # warm every worker and thread: imports, connections
                for _ in range(4 * args.workers * args.threads):
                    get(server.port, path if path != "/search/" else "/search/?q=model")
            _, _, headers = get(server.port, paths["issue page"], accept)
            etag = headers["ETag"]
            _, ceiling_body, ceiling_headers = get(server.port, CEILING_PATH, accept)
            served[CEILING] = len(ceiling_body)
            served[FEED_BYTES] = len(get(server.port, FEED_BYTES_PATH, accept)[1])
            print(
                f"{SERVER_NAMES[args.server]} on {HOST}:{server.port}: {args.workers} "
                f"workers x {args.threads} threads; wrk {args.duration:g} s per row, "
                f"{args.rounds} rounds at 1 and {TARGET_CONNECTIONS} connections; issue page "
                f"{page_bytes:,} bytes; Python {platform.python_version()}, {os.cpu_count()} "
                f"CPUs, load average before: {os.getloadavg()[0]:.1f}.",
                flush=True,
            )
            probes = 2 * args.workers * args.threads
            memory = []
            print(
                "Bytes of each answer as asked: "
                + "; ".join(f"{name} {size:,}" for name, size in served.items())
                + f" (the ceiling's Content-Encoding: "
                f"{ceiling_headers.get('Content-Encoding', 'identity')}).",
                flush=True,
            )
            runs = []
            for _ in range(args.runs):
                runs.append(
                    run_matrix(
                        binary,
                        server,
                        paths,
                        args.duration,
                        etag,
                        probes,
                        args.accept_encoding,
                        args.rounds,
                    )
                )
                memory.append(server.worker_memory())
            rows, last = runs[0], runs[-1]
            profiles = [
                profile_row(binary, server, name, paths[name], args, etag) for name in args.profile
            ]
            publish = measure_publish(server.port)
            freshness = measure_freshness(server.port)
            withdraw_publish_checks()  # the next run measures the same archive
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            server.stop()

    print()
    print_table(rows)
    print()
    for number, middle in enumerate(runs[1:-1], 2):
        print(f"Run {number} of {len(runs)}: {run_summary(middle)}.")
    if len(runs) > 2:
        print()
    print(
        "The second run (the same rows again, on the same workers):"
        if len(runs) == 2
        else f"The last of {len(runs)} runs (the same rows again, on the same workers):"
    )
    print_table(last)
    print()
    feed, feed_bytes = (
        next(r for r in rows if r.name == name and r.connections == TARGET_CONNECTIONS)
        for name in ("RSS feed", FEED_BYTES)
    )
    print(
        f"The RSS feed at {TARGET_CONNECTIONS} connections did {feed.rate / feed_bytes.rate:.2f} "
        f"of what a static file of its own bytes did ({served['RSS feed']:,} against the "
        f"ceiling's {served[CEILING]:,})."
    )
    print()

    def mb(sizes: list[Memory]) -> str:
        return "; ".join(f"RSS {m.rss:.0f}, PSS {m.pss:.0f}, USS {m.uss:.0f}" for m in sizes)

    for _row, text in profiles:
        print(text)
        print()
    print("Worker memory, MB per worker (bench/README.md says what each measure counts):")
    print(f"  after starting (one request):  {mb(started)}")
    for number, sizes in enumerate(memory, 1):
        print(f"  after run {number}:".ljust(33) + mb(sizes))
    print()
    print(
        f"Publishing an issue of 20 items with 20 new pictures: 20 uploads "
        f"{publish['upload']:.2f} s, every rendition made by the worker "
        f"{publish['renditions_ready']:.2f} s after the first upload; submit (snapshot, "
        f"search index), approve and publish {publish['publish']:.2f} s. Shown on the home "
        f"page {publish['seen_after'] * 1000:.0f} ms after the publish committed (request "
        f"{publish['polls']:.0f} after it). Published right after its last upload instead: "
        f"20 uploads {publish['worst_upload']:.2f} s, then submit, approve and publish "
        f"{publish['worst_publish']:.2f} s, making the renditions of the "
        f"{publish['worst_missing']:.0f} pictures the worker had not done yet."
    )
    print(
        f"Freshness: {freshness['fresh']} of {freshness['asked']} requests sent at once after "
        f"a commit that ended or restored the newest issue already showed the change; "
        f"waiting for every worker to take it in took {freshness['settle_p50_ms']:.1f} ms "
        f"(p50), {freshness['settle_max_ms']:.1f} ms at most."
    )
    print(f"Load average after: {os.getloadavg()[0]:.1f}.")
    missed = check_targets(rows, memory)
    if publish["publish"] >= 1.0:
        missed.append(f"publishing took {publish['publish']:.2f} s (target under 1 s)")
    for line in missed:
        print(f"Target missed: {line}")
    return 1 if any(r.errors for run in runs for r in run) else 0


if __name__ == "__main__":
    sys.exit(main())
