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


def clean_db_deletes(*arguments, **env) -> str:
    """The folder `make clean-db` would delete (make -n: nothing runs but the question)."""
    environment = deployment_environment()
    environment.pop("EMBEDDED_PGDATA", None)
    result = subprocess.run(  # noqa: S603 - make, our own Makefile
        ["make", "--no-print-directory", "-n", "clean-db", *arguments],  # noqa: S607
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    [deleting] = [line for line in result.stdout.splitlines() if line.startswith("rm ")]
    return deleting


def test_make_clean_db_deletes_the_folder_embedded_pgdata_names(tmp_path):
    folder = tmp_path / "db"
    assert clean_db_deletes(EMBEDDED_PGDATA=str(folder)) == f'rm -rf "{folder}"'
    assert clean_db_deletes(f"EMBEDDED_PGDATA={folder}") == f'rm -rf "{folder}"'


@pytest.mark.parametrize("env", [{}, {"EMBEDDED_PGDATA": ""}])
def test_make_clean_db_without_embedded_pgdata_deletes_var_pgdata(env):
    assert clean_db_deletes(**env) == f'rm -rf "{DEFAULT}"'
