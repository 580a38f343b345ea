"""Settings come from the environment; production refuses unsafe configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(
    print_what="settings.DATABASES['default']['NAME']", **env
) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": "postgres://u:p@localhost:5432/db"}
    environment.pop("DJANGO_DEMO", None)
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", f"from config import settings; print({print_what})"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("key", ["", "dev-only-insecure-key-never-use-in-production", "short"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    result = load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "db"


def test_sqlite_is_refused():
    result = load_settings(DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


@pytest.mark.parametrize(
    ("env", "installed"),
    [
        ({}, True),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50}, False),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_DEMO": "1"}, True),
    ],
)
def test_the_demo_app_is_left_out_of_production_unless_asked_for(env, installed):
    result = load_settings("'demo' in settings.INSTALLED_APPS", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(installed)
