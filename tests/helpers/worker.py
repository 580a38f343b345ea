"""Real worker processes (`manage.py worker`) against the test database.

Tests that use them need committed data: mark them `django_db(transaction=True)`.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent


def test_database_url() -> str:
    """A DATABASE_URL for the database this test runs on, for another process to use."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"])
    host = s["HOST"] or ""
    if s["PORT"]:
        host += f":{s['PORT']}"
    url = f"postgresql://{credentials}@{host}/{quote(s['NAME'])}"
    options = {k: v for k, v in (s.get("OPTIONS") or {}).items() if k == "host"}
    return url + ("?" + urlencode(options) if options else "")


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings",
        TASKS_BACKEND="database",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class WorkerProcess:
    """One `manage.py worker` process; `stop()` sends SIGTERM, `kill()` SIGKILL."""

    def __init__(self, log_path: Path, *args: str, **env: str):
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, "manage.py", "worker", "--interval", "0.1", *args],
            cwd=ROOT,
            env=worker_env(**env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready" in self.log():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"The worker exited early:\n{self.log()}")
            time.sleep(0.05)
        raise AssertionError(f"The worker did not start in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit status. A status other than 0, or no exit within
        `timeout` (then SIGKILL, and TimeoutExpired), prints the log's end, which pytest
        shows with the failure."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            print(f"{self.log_path.name} did not stop in {timeout}s; its log ends:")
            print(self.log()[-6000:])
            raise
        if status != 0:
            print(f"{self.log_path.name} exited {status}; its log ends:\n{self.log()[-6000:]}")
        return status

    def kill(self) -> None:
        self.process.kill()
        self.wait(10)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()


def start_worker(tmp_path: Path, *args: str, name: str = "worker", **env: str) -> WorkerProcess:
    worker = WorkerProcess(tmp_path / f"{name}.log", *args, **env)
    worker.wait_until_ready()
    return worker


def start_together_on_another_queue(tmp_path: Path, count: int = 3, **env: str) -> None:
    """Start `count` workers of the queue "elsewhere" at once and stop them once all are ready:
    what they do on start (queueing what was lost) is all they do to the default queue."""
    starting = [
        WorkerProcess(tmp_path / f"elsewhere-{n}.log", "--queue-name", "elsewhere", **env)
        for n in range(count)
    ]
    try:
        for worker in starting:
            worker.wait_until_ready()
    finally:
        assert [worker.stop() for worker in starting] == [0] * count


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.1, message: str = ""):
    """Poll `predicate` until it returns something true; return that, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or f"Still not true after {timeout}s")
        time.sleep(interval)
