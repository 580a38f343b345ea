"""Where the embedded PostgreSQL keeps its cluster: EMBEDDED_PGDATA, else var/pgdata."""

import subprocess
import sys

import pytest

from tests.helpers.settings_env import ROOT, deployment_environment

DEFAULT = str(ROOT / "var" / "pgdata")


def data_folder(cwd, **env) -> str:
    """config.embedded_db.PGDATA as a process started in `cwd` reads it under `env` (and no
    EMBEDDED_PGDATA of the test run's own)."""
    environment = deployment_environment(PYTHONPATH=str(ROOT))
    environment.pop("EMBEDDED_PGDATA", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", "from config import embedded_db; print(embedded_db.PGDATA)"],
        cwd=cwd,
        env={**environment, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_embedded_pgdata_means_var_pgdata_not_the_current_directory(tmp_path, value):
    assert data_folder(tmp_path, EMBEDDED_PGDATA=value) == DEFAULT


def test_without_embedded_pgdata_the_cluster_is_under_var(tmp_path):
    assert data_folder(tmp_path) == DEFAULT


def test_embedded_pgdata_names_the_folder(tmp_path):
    assert data_folder(tmp_path, EMBEDDED_PGDATA=str(tmp_path / "db")) == str(tmp_path / "db")
