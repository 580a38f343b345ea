"""Settings come from the environment; production refuses unsafe configuration."""

import pytest

from tests.helpers.settings_env import REAL_KEY, load_settings


@pytest.mark.parametrize(
    "key",
    [
        "",
        "dev-only-insecure-key-never-use-in-production",
        "short",
        # 32 to 49 characters: Django's deploy check warns below 50.
        "k3Jq9vX2mR8tZpW4nL6yB1cF5hD7gS0a",
        "k3Jq9vX2mR8tZpW4nL6yB1cF5hD7gS0aE9uY3iO2pQ8rT6wV4",
        "x" * 64,  # long, but four or fewer different characters
        "django-insecure-k3Jq9vX2mR8tZpW4nL6yB1cF5hD7gS0aE9uY3iO2pQ8rT",
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(key):
    result = load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=REAL_KEY)
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
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": REAL_KEY}, False),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": REAL_KEY, "DJANGO_DEMO": "1"}, True),
    ],
)
def test_the_demo_app_is_left_out_of_production_unless_asked_for(env, installed):
    result = load_settings("'demo' in settings.INSTALLED_APPS", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(installed)
