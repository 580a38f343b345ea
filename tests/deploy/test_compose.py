"""docker-compose.yml is the production shape: a database with a healthcheck and a volume,
Redis, a one-shot migration before the app starts, the web server ready on /readyz, workers,
shared uploads; every variable it sets is documented and every one production needs is
set, with no secret written in the file."""

import os
import shutil
import subprocess

import pytest

from tests.deploy import compose, readme
from tests.helpers.settings_env import REAL_KEY, manage, settings_from

# What production cannot run without (README, "Deploying with docker-compose").
REQUIRED_IN_PRODUCTION = {
    "DJANGO_DEBUG",
    "DATABASE_URL",
    "DJANGO_SECRET_KEY",
    "SUBSCRIBERS_HASH_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "SITE_URL",
    "DJANGO_BEHIND_TLS_PROXY",
    "REDIS_URL",
    "EMAIL_HOST",
    "DEFAULT_FROM_EMAIL",
}
SECRETS = ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY", "SUBSCRIBERS_HASH_KEY")
# What an operator exports before `docker compose up` (README's example).
OPERATOR_ENVIRONMENT = {
    "POSTGRES_PASSWORD": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "DJANGO_SECRET_KEY": REAL_KEY,
    "SUBSCRIBERS_HASH_KEY": REAL_KEY[::-1],
    "DJANGO_ALLOWED_HOSTS": "news.example.com",
    "SITE_URL": "https://news.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://news.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "DEFAULT_FROM_EMAIL": "newsletter@news.example.com",
}


@pytest.fixture(scope="module")
def services():
    return compose.interpolate(compose.load()["services"], OPERATOR_ENVIRONMENT)


def test_the_services_of_the_production_shape(services):
    assert set(services) == {"db", "redis", "migrate", "web", "worker"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in compose.APP_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["image"] == "newsletter-cms"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert services["web"]["command"] == ["python", "-m", "config.serve"]
    assert services["worker"]["command"] == ["python", "manage.py", "worker"]
    # The worker finishes the message in hand on SIGTERM: give it time to.
    assert services["worker"]["stop_signal"] == "SIGTERM"


def test_healthchecks(services):
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in web_check
    # The image's /readyz check means nothing where no web server runs.
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert services["worker"]["healthcheck"] == {"disable": True}


def test_start_order(services):
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }


def test_volumes(services):
    volumes = compose.load()["volumes"]
    assert set(volumes) == {"pgdata", "media"}
    assert services["db"]["volumes"] == ["pgdata:/var/lib/postgresql"]
    # Uploads written by web, read by the worker (pictures in emails).
    assert services["web"]["volumes"] == ["media:/app/media"]
    assert services["worker"]["volumes"] == ["media:/app/media"]
    assert services["web"]["environment"].get("DJANGO_MEDIA_ROOT", "/app/media") == "/app/media"


def test_web_listens_for_the_proxy_on_loopback_only(services):
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_every_variable_set_is_documented_in_the_configuration_table():
    documented = readme.configuration_variables()
    raw = compose.load()["services"]
    for name in compose.APP_SERVICES:
        undocumented = set(raw[name]["environment"]) - documented
        assert not undocumented, f"{name} sets {sorted(undocumented)}, not in README"


def test_every_variable_the_file_reads_is_documented_in_the_deploy_section():
    deploying = readme.section("Deploying with docker-compose")
    documented = readme.configuration_variables()
    for variable in compose.referenced_variables():
        assert variable in documented or f"`{variable}`" in deploying, variable


def test_every_variable_production_needs_is_set(services):
    for name in compose.APP_SERVICES:
        environment = services[name]["environment"]
        missing = REQUIRED_IN_PRODUCTION - {key for key, value in environment.items() if value}
        assert not missing, f"{name} does not set {sorted(missing)}"
        assert environment["DJANGO_DEBUG"] == "0"
        # Plain http inside compose: said explicitly, the proxy in front terminates TLS.
        assert environment["DJANGO_BEHIND_TLS_PROXY"] == "1"


def test_secrets_come_from_the_operator_never_from_the_file():
    referenced = compose.referenced_variables()
    for secret in SECRETS:
        assert referenced[secret] == ":?", f"{secret} must be required, with no default"
    for name in SECRETS:
        environment = dict(OPERATOR_ENVIRONMENT)
        del environment[name]
        with pytest.raises(compose.MissingVariable, match=name):
            compose.interpolate(compose.load()["services"], environment)


def test_the_web_environment_is_production_behind_a_tls_proxy(services):
    environment = services["web"]["environment"]
    values = settings_from(
        "[settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SECURE_PROXY_SSL_HEADER, "
        "settings.SESSION_COOKIE_SECURE, settings.CACHES['default']['BACKEND'], "
        "settings.SUBSCRIBERS_HASH_KEY]",
        **environment,
    )
    assert values == [
        False,
        True,
        ["HTTP_X_FORWARDED_PROTO", "https"],
        True,
        "django.core.cache.backends.redis.RedisCache",
        OPERATOR_ENVIRONMENT["SUBSCRIBERS_HASH_KEY"],
    ]


def test_plain_http_is_an_explicit_opt_out():
    opted_out = compose.interpolate(
        compose.load()["services"],
        {**OPERATOR_ENVIRONMENT, "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_SECURE_COOKIES": "0"},
    )
    values = settings_from(
        "[settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE]",
        **opted_out["web"]["environment"],
    )
    assert values == [False, False]


def test_the_web_environment_passes_the_deploy_check(services):
    # Nothing of the test run's own DJANGO_* (DJANGO_ALLOW_ASYNC_UNSAFE, set by the browser
    # tests, fails the check, as it should in production).
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **services["web"]["environment"]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True)  # noqa: S603
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_itself_accepts_the_file():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    environment = {**os.environ, **OPERATOR_ENVIRONMENT}
    command = [*cli, "-f", str(compose.COMPOSE_FILE), "config", "--quiet"]
    accepted = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
    assert accepted.returncode == 0, accepted.stderr
    del environment["DJANGO_SECRET_KEY"]
    refused = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY" in refused.stderr
