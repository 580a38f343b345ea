"""Search latency for queries never asked before, per kind of query, in process.

    EMBEDDED_PGDATA=var/benchpg .venv/bin/python bench/search_latency.py [--queries 400]
        [--seed 1] [--explain 2] [--server]

Draws `--queries` distinct queries of `search.lua`'s mix from the terms
`bench/search_terms.py` writes from the data (one to three words by frequency, a quoted
title phrase, a surname, an arXiv id, a word without another), asks each once through
Django's test client (the whole middleware stack, the view, the template) and reports,
per kind and overall, p50 and p99 of: wall time, the process's CPU time, the PostgreSQL
backend's CPU time (from /proc/<pid>/schedstat, the server on this machine) and the
time spent in the database. On a shared machine the CPU times move least with the load.
Then EXPLAIN (ANALYZE, BUFFERS) of the ranked query of the `--explain` slowest queries of
the slowest kinds. `--server` also asks another draw of queries of the web server
(`python -m config.serve`, production settings) at one connection and reports wall times;
`--wrk 1,16` then drives search.lua with wrk at those connection counts, as make bench.
See bench/README.md.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

# search.lua's mix: (kind, share).
MIX = (("words", 0.55), ("phrase", 0.15), ("surname", 0.12), ("arxiv id", 0.05))
# The rest (13 %) is "word -word".


def load_terms(path: Path) -> dict[str, tuple[list[str], list[float]]]:
    pools: dict[str, tuple[list[str], list[float]]] = {}
    for line in path.read_text().splitlines():
        kind, weight, text = line.split("\t", 2)
        terms, weights = pools.setdefault(kind, ([], []))
        terms.append(text)
        weights.append(float(weight))
    return pools


def draw_query(rng: random.Random, pools) -> tuple[str, str]:
    """One query as search.lua draws it, and its kind."""

    def draw(kind):
        terms, weights = pools[kind]
        return rng.choices(terms, weights)[0]

    roll = rng.random()
    if roll < 0.55:
        n = rng.randint(1, 3)
        return f"{n} word{'s' if n > 1 else ''}", " ".join(draw("w") for _ in range(n))
    if roll < 0.70:
        return "phrase", f'"{draw("p")}"'
    if roll < 0.82:
        return "surname", draw("s")
    if roll < 0.87:
        return "arxiv id", draw("a")
    return "word -word", f"{draw('w')} -{draw('w')}"


def draw_queries(n: int, seed: int, pools, seen=()) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    chosen, seen = [], set(seen)
    for _ in range(n * 50):
        if len(chosen) == n:
            break
        kind, query = draw_query(rng, pools)
        if query not in seen:
            seen.add(query)
            chosen.append((kind, query))
    return chosen


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def backend_cpu_ns(pid: int) -> int:
    """CPU time of a PostgreSQL backend on this machine, in ns (the scheduler's own count)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


class Recorder:
    """Times every statement; keeps the last ranked query's SQL to explain it."""

    def __init__(self):
        self.seconds = 0.0
        self.ranked = None

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            if "ranked AS" in sql:
                self.ranked = (sql, params)


def measure_in_process(queries, warm=()):
    from django.db import connection
    from django.test import Client

    client = Client()
    for n, (_, query) in enumerate(warm):  # imports, templates, the connection, the buffers
        client.get("/search/", {"q": query, "r": f"warm-{n}"})
    rows = []
    for n, (kind, query) in enumerate(queries):
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            pg_before, cpu_before, wall_before = (
                backend_cpu_ns(pid),
                time.thread_time(),
                time.perf_counter(),
            )
            response = client.get("/search/", {"q": query, "r": f"latency-{n}"})
            wall, cpu, pg = (
                time.perf_counter() - wall_before,
                time.thread_time() - cpu_before,
                (backend_cpu_ns(pid) - pg_before) / 1e9,
            )
        assert response.status_code == 200, (query, response.status_code)
        rows.append(
            {
                "kind": kind,
                "query": query,
                "wall": wall * 1000,
                "cpu": cpu * 1000,
                "pg": pg * 1000,
                "sql": recorder.seconds * 1000,
                "ranked": recorder.ranked,
                "results": response.content.count(b'<article class="archive-entry'),
            }
        )
    return rows


def print_table(rows, columns, title):
    print(title)
    header = f"{'kind':<12} {'n':>4} " + " ".join(f"{c + ' p50/p99':>17}" for c in columns)
    print(header)
    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    for kind in [*sorted(by_kind), "all"]:
        group = rows if kind == "all" else by_kind[kind]
        cells = " ".join(
            f"{percentile([r[c] for r in group], 50):8.1f}/"
            f"{percentile([r[c] for r in group], 99):8.1f}"
            for c in columns
        )
        print(f"{kind:<12} {len(group):>4} {cells}")


def explain(rows, count: int):
    from django.db import connection

    by_kind = defaultdict(list)
    for row in rows:
        if row["ranked"]:
            by_kind[row["kind"]].append(row)
    slowest = sorted(by_kind, key=lambda k: -percentile([r["pg"] for r in by_kind[k]], 99))
    for kind in slowest[:2]:
        for row in sorted(by_kind[kind], key=lambda r: -r["pg"])[:count]:
            sql, params = row["ranked"]
            print(f"\nEXPLAIN (ANALYZE, BUFFERS), {kind}: {row['query']!r}, {row['pg']:.1f} ms")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                for (line,) in cursor.fetchall():
                    print("  " + line)


def measure_server(queries, wrk_connections=(), duration=5.0):
    import run  # bench/run.py: the server as make bench starts it

    rows = []
    with tempfile.TemporaryDirectory(prefix="search-latency-") as tmp:
        env = run.production_env(str(Path(tmp) / "static"))
        import subprocess

        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        server = run.Server(env, Path(tmp) / "server.log", workers=2, threads=2)
        try:
            server.wait_until_ready()
            for _ in range(16):
                run.get(server.port, "/search/?q=warm+up")
            for n, (kind, query) in enumerate(queries):
                started = time.perf_counter()
                status, _, _ = run.get(
                    server.port, "/search/?" + urlencode({"q": query, "r": f"server-{n}"})
                )
                wall = time.perf_counter() - started
                assert status == 200, (query, status)
                rows.append({"kind": kind, "query": query, "wall": wall * 1000})
            binary = run.ensure_wrk() if wrk_connections else None
            for connections in wrk_connections:
                row = run.wrk(
                    binary, server.port, "search", "/search/", connections, duration, None
                )
                print(
                    f"wrk search.lua, {connections} connections, {duration:g} s: {row.rate:.0f} "
                    f"req/s, p50 {row.p50_ms:.1f} ms, p99 {row.p99_ms:.1f} ms, "
                    f"{row.errors} errors; load {os.getloadavg()[0]:.1f}"
                )
        finally:
            server.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=400, help="queries to ask (400)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warm", type=int, default=100, help="queries asked first (100)")
    parser.add_argument("--dump", type=Path, help="write every query's figures here (JSON)")
    parser.add_argument("--explain", type=int, default=2, help="slowest queries to explain")
    parser.add_argument(
        "--server", action="store_true", help="also ask the web server, 1 connection"
    )
    parser.add_argument(
        "--wrk", default="", help="with --server: also search.lua with wrk at these connections"
    )
    parser.add_argument("--terms", type=Path, help="a search-terms file (default: written now)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("operations.request_log").setLevel(logging.WARNING)
    import search_terms

    terms = args.terms
    if terms is None:
        terms = ROOT / "var" / "bench" / "search-terms.txt"
        search_terms.write(terms)
    pools = load_terms(terms)
    queries = draw_queries(args.queries, args.seed, pools)
    # Queries of the same mix asked first and not measured: a server that has been up for
    # a while holds the index in its buffers.
    warm = draw_queries(args.warm, args.seed + 1000, pools, seen=[q for _, q in queries])

    print(f"{len(queries)} queries never asked before, load average {os.getloadavg()}")
    rows = measure_in_process(queries, warm)
    print_table(
        rows,
        ["wall", "cpu", "pg", "sql"],
        "In process (test client), ms: wall, Python CPU, PostgreSQL backend CPU, in the database",
    )
    print(f"load average after: {os.getloadavg()}")
    if args.dump:
        fields = ("kind", "query", "wall", "cpu", "pg", "sql", "results")
        args.dump.write_text(json.dumps([{k: r[k] for k in fields} for r in rows], indent=1))
    if args.explain:
        explain(rows, args.explain)
    if args.server:
        from django.db import connections

        connections.close_all()
        others = draw_queries(args.queries, args.seed + 1, pools, seen=[q for _, q in queries])
        load = os.getloadavg()
        print(f"\nweb server, 1 connection, {len(others)} other new queries, load {load}")
        wrk_connections = [int(c) for c in args.wrk.split(",") if c]
        print_table(measure_server(others, wrk_connections), ["wall"], "wall ms")
        print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
