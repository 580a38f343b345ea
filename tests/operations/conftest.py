"""A production-shaped site of the tests' own: a PostgreSQL cluster they may stop, the
demo data in it, static files collected; each module starts the web server on it as it needs."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers.servers import ROOT, Postgres, WebServer, collect_static, manage, production_env

_SESSION_FOR = """
from django.contrib.auth import get_user_model
from django.test import Client

client = Client()
client.force_login(get_user_model().objects.get(username="{username}"))
print(client.cookies["sessionid"].value)
"""


class Site:
    def __init__(self, root):
        self.root = root
        self.postgres = Postgres(root / "pgdata")
        self.env = production_env(self.postgres.url, root / "static", root / "media")
        # The demo app (seed_demo) is left out of production settings; only set-up uses it.
        self.setup_env = {**self.env, "DJANGO_DEMO": "1", "DJANGO_LOG_LEVEL": "WARNING"}
        manage(self.setup_env, "migrate", "--noinput")
        manage(self.setup_env, "seed_demo", "--allow-without-debug")
        collect_static(root / "static")

    def session_cookie(self, username: str) -> str:
        """A logged-in session of `username`, as the Cookie header to send."""
        result = subprocess.run(  # noqa: S603 - our own manage.py, a fixed script
            [sys.executable, "manage.py", "shell", "-c", _SESSION_FOR.format(username=username)],
            cwd=ROOT,
            env=self.setup_env,
            check=True,
            capture_output=True,
            text=True,
        )
        return f"sessionid={result.stdout.strip().splitlines()[-1]}"

    def web_server(self, name: str, *, workers: int = 1, **env) -> WebServer:
        return WebServer({**self.env, **env}, self.root / f"{name}.log", workers=workers)


@pytest.fixture(scope="session")
def site():
    # Not pytest's tmp_path: its folders are private to root, and PostgreSQL runs as its
    # own system user when the tests run as root.
    root = Path(tempfile.mkdtemp(prefix="newsletter-site-"))
    try:
        site = Site(root)
        yield site
        site.postgres.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_stopped(site):
    """The site's PostgreSQL stopped for the test, started again after it."""
    site.postgres.stop()
    try:
        yield site.postgres
    finally:
        site.postgres.start()
