"""The image: runs as a user of its own, static files collected at build, granian with
config/serve.py, a /readyz healthcheck, no secret kept, no migration on start; and the
gunicorn configuration kept beside it (config/gunicorn.py) still accepted by gunicorn."""

import json
import os
import re
import subprocess
import sys

from tests.deploy.compose import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    parsed = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            parsed.append((keyword.upper(), arguments.strip()))
    return parsed


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in instructions() if name == keyword]


def test_runs_as_a_user_that_is_not_root():
    users = arguments_of("USER")
    assert users, "no USER: the app would run as root"
    assert users[-1] not in {"root", "0", "0:0"}
    keywords = [name for name, _ in instructions()]
    # Nothing after the last USER runs as root again.
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")


def test_uploads_are_the_only_folder_the_app_may_write():
    created = " ".join(arguments_of("RUN"))
    assert "useradd" in created
    assert re.search(r"chown app:app /app/media\b", created)
    environment = " ".join(arguments_of("ENV"))
    assert "DJANGO_MEDIA_ROOT=/app/media" in environment


def test_static_files_are_collected_at_build_with_production_settings():
    collect = [run for run in arguments_of("RUN") if "collectstatic" in run]
    assert len(collect) == 1
    assert "--noinput" in collect[0]
    assert "DJANGO_DEBUG=0" in " ".join(arguments_of("ENV"))
    # Collected after the code is copied in, so every file is there.
    keywords = [(name, arguments) for name, arguments in instructions()]
    copy_all = keywords.index(("COPY", ". ."))
    assert copy_all < next(i for i, (k, a) in enumerate(keywords) if "collectstatic" in a)


def test_no_secret_is_kept_in_the_image():
    kept = " ".join(arguments_of("ENV") + arguments_of("ARG") + arguments_of("LABEL"))
    for word in ("SECRET", "PASSWORD", "DATABASE_URL", "HASH_KEY"):
        assert word not in kept
    # The key collectstatic needs is made in that command, never written down.
    collect = next(run for run in arguments_of("RUN") if "collectstatic" in run)
    assert "secrets.token_urlsafe" in collect


def test_serves_with_the_production_command_without_migrating():
    command = json.loads(arguments_of("CMD")[-1])
    assert command == ["python", "-m", "config.serve"]
    assert not any("migrate" in run for run in arguments_of("CMD") + arguments_of("ENTRYPOINT"))


def test_healthcheck_asks_readyz():
    (check,) = arguments_of("HEALTHCHECK")
    assert "http://127.0.0.1:8000/readyz" in check
    # The slim image has no curl: the check is Python's.
    assert 'CMD ["python", "-c"' in check


def test_the_build_context_leaves_local_state_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "node_modules", "var", "media", "staticfiles", ".git"} <= ignored


def test_gunicorn_accepts_its_config():
    environment = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k3Jq9vX2mR8tZpW4nL6yB1cF5hD7gS0aE9uY3iO2pQ8rT6wV4zX1bN5mK7jH0lG2",
        "DATABASE_URL": "postgres://u:p@localhost:5432/db",
    }
    environment.pop("DJANGO_DEMO", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and config
        [sys.executable, "-m", "gunicorn", "--check-config", "--print-config", "-c"]
        + ["config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    printed = dict(
        line.split("=", 1)
        for line in (row.replace(" ", "") for row in result.stdout.splitlines())
        if "=" in line
    )
    assert printed["bind"] == "['0.0.0.0:8000']"
    assert printed["worker_class"] == "gthread"
    assert printed["preload_app"] == "True"
