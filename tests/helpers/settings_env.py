"""config.settings as a deployment's environment makes them: read in a fresh interpreter.

The test run's own configuration (its DJANGO_*, DATABASE_* and MEDIA_S3_* variables) is
left out, so a test sees only what it passes, on top of a PostgreSQL URL nobody connects to.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A key as `openssl rand -base64 48` makes one: 64 characters, many different.
REAL_KEY = "k3Jq9vX2mR8tZpW4nL6yB1cF5hD7gS0aE9uY3iO2pQ8rT6wV4zX1bN5mK7jH0lG2"
OWN_CONFIGURATION = ("DJANGO_", "DATABASE_", "MEDIA_S3_")
PRELUDE = "import json\nfrom django.conf import settings"


def deployment_environment(**env) -> dict[str, str]:
    """os.environ without the test run's configuration, then `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(OWN_CONFIGURATION)}
    return {**base, "DATABASE_URL": "postgres://u:p@localhost:5432/db", **env}


def load_settings(
    print_what="settings.DATABASES['default']['NAME']", **env
) -> subprocess.CompletedProcess:
    """Read config.settings under `env` (Django's defaults included) and print `print_what`,
    an expression over `settings`."""
    return subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", f"{PRELUDE}\nprint({print_what})"],
        cwd=ROOT,
        env=deployment_environment(DJANGO_SETTINGS_MODULE="config.settings", **env),
        capture_output=True,
        text=True,
    )


def settings_from(expression: str, **env):
    """The value of `expression` over config.settings under `env`, through JSON."""
    result = load_settings(f"json.dumps({expression}, default=str)", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage(*args, **env) -> subprocess.CompletedProcess:
    """`manage.py ARGS` under `env`."""
    return subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=deployment_environment(**env),
        capture_output=True,
        text=True,
    )
