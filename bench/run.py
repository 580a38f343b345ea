"""Load benchmark of the public pages, served by gunicorn in its production configuration.

Run it with `make bench` (or `.venv/bin/python bench/run.py --help`). It loads the demo
issue and the bench issues if they are missing, collects static files into a temporary
folder, starts gunicorn on a free loopback port, sends requests from a few concurrent
keep-alive clients written with the standard library only, prints a table and stops
gunicorn. See bench/README.md for how to read the table.
"""

import argparse
import http.client
import math
import os
import platform
import secrets
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: the benchmark never listens on a public interface


@dataclass
class Result:
    path: str
    latencies: list[float] = field(default_factory=list)
    non_200: int = 0
    elapsed: float = 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


def prepare_data(issues: int) -> str:
    """Migrate, load the demo and bench issues; return the demo issue's path."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from demo.content import ISSUE
    from newsletter.models import Issue

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", verbosity=0)
    call_command("generate_bench_data", issues=issues)
    path = Issue.objects.get(slug=ISSUE["slug"]).get_absolute_url()
    total = Issue.objects.count()
    connections.close_all()
    print(f"Database: {total} issues.")
    return path


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
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_LOG_LEVEL": "WARNING",
        # Resolved once here so that the workers do not each go looking for the server.
        "DATABASE_URL": database_url(),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def wait_until_ready(server: subprocess.Popen, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            status = get(conn, "/")
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


def hammer(port: int, path: str, *, duration: float, max_requests: int, clients: int) -> Result:
    """Send requests to `path` from `clients` threads until the time or the budget runs out."""
    result = Result(path)
    lock = threading.Lock()
    sent = 0
    start = time.perf_counter()
    deadline = start + duration

    def client():
        nonlocal sent
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies, non_200 = [], 0
        while time.perf_counter() < deadline:
            with lock:
                if sent >= max_requests:
                    break
                sent += 1
            began = time.perf_counter()
            try:
                status = get(conn, path)
            except (OSError, http.client.HTTPException):
                conn.close()  # http.client reconnects on the next request
                status = 0
            latencies.append(time.perf_counter() - began)
            non_200 += status != 200
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.non_200 += non_200

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - start
    return result


def print_table(results: list[Result]) -> None:
    header = ("path", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "non-200")
    rows = [
        (
            r.path,
            str(len(r.latencies)),
            f"{r.rate:.0f}",
            f"{r.percentile(50):.1f}",
            f"{r.percentile(95):.1f}",
            f"{r.percentile(99):.1f}",
            str(r.non_200),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per path (5)")
    parser.add_argument("--max-requests", type=int, default=2000, help="per path (2000)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--issues", type=int, default=50, help="bench issues to ensure (50)")
    args = parser.parse_args()

    demo_path = prepare_data(args.issues)
    paths = ["/", "/issues/", demo_path]

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        env = production_env(str(Path(tmp) / "static"))
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        port = free_port()
        log_path = Path(tmp) / "gunicorn.log"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(  # noqa: S603 - a fixed command line
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"{HOST}:{port}",
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_ready(server, port)
            for path in paths:  # warm up every worker: imports, templates, connections
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                for _ in range(10 * args.workers):
                    get(conn, path)
                conn.close()
            print(
                f"gunicorn on {HOST}:{port}, {args.workers} sync workers; "
                f"{args.concurrency} clients; up to {args.duration:g} s or "
                f"{args.max_requests} requests per path; Python {platform.python_version()}, "
                f"{os.cpu_count()} CPUs."
            )
            results = [
                hammer(
                    port,
                    path,
                    duration=args.duration,
                    max_requests=args.max_requests,
                    clients=args.concurrency,
                )
                for path in paths
            ]
            print()
            print_table(results)
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return 1 if any(r.non_200 for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
