"""The production web command's settings (config/serve.py): what it serves with no variable
set, what each variable changes, and that granian takes them. The tests under
tests/operations/ run the command itself (tests/helpers/servers.WebServer)."""

import os
import subprocess
import sys

import pytest
from granian import Granian
from granian.constants import Interfaces

from config import serve
from tests.deploy.compose import ROOT

VARIABLES = (
    "WEB_BIND",
    "WEB_CONCURRENCY",
    "WEB_THREADS",
    "WEB_BACKPRESSURE",
    "WEB_KEEPALIVE",
    "WEB_GRACEFUL_TIMEOUT",
    "WEB_LOG_LEVEL",
    "WEB_ACCESS_LOG",
)


@pytest.fixture
def environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_serve_the_wsgi_app_on_every_interface_one_process_a_core(environment):
    options = serve.options()

    assert options["target"] == "config.wsgi:application"
    assert options["interface"] == Interfaces.WSGI
    assert (options["address"], options["port"]) == ("0.0.0.0", 8000)  # noqa: S104
    assert options["workers"] == os.cpu_count()
    assert options["blocking_threads"] == 2
    assert options["backpressure"] == 8  # requests a worker takes before leaving the rest
    assert options["respawn_failed_workers"] is True
    assert options["workers_kill_timeout"] == 30
    assert options["http1_settings"].keep_alive is True
    assert options["http1_settings"].header_read_timeout == 20_000
    assert options["log_access"] is False


def test_each_variable_sets_its_value(environment):
    environment.setenv("WEB_BIND", "127.0.0.1:9001")
    environment.setenv("WEB_CONCURRENCY", "3")
    environment.setenv("WEB_THREADS", "1")
    environment.setenv("WEB_BACKPRESSURE", "6")
    environment.setenv("WEB_KEEPALIVE", "5")
    environment.setenv("WEB_GRACEFUL_TIMEOUT", "7")
    environment.setenv("WEB_LOG_LEVEL", "WARNING")
    environment.setenv("WEB_ACCESS_LOG", "1")

    options = serve.options()

    assert (options["address"], options["port"]) == ("127.0.0.1", 9001)
    assert (options["workers"], options["blocking_threads"]) == (3, 1)
    assert options["backpressure"] == 6
    assert options["http1_settings"].header_read_timeout == 5_000
    assert options["workers_kill_timeout"] == 7
    assert options["log_level"].value == "warning"
    assert options["log_access"] is True


def test_an_ipv6_address_is_written_in_brackets(environment):
    environment.setenv("WEB_BIND", "[::1]:8000")

    options = serve.options()

    assert (options["address"], options["port"]) == ("::1", 8000)


def test_an_empty_variable_means_its_default(environment):
    environment.setenv("WEB_CONCURRENCY", "")
    environment.setenv("WEB_THREADS", "")

    options = serve.options()

    assert (options["workers"], options["blocking_threads"]) == (os.cpu_count(), 2)
    assert options["backpressure"] == 8


def test_granian_takes_the_settings(environment):
    environment.setenv("WEB_CONCURRENCY", "2")

    server = serve.server_class()(**serve.options())

    assert isinstance(server, Granian)
    assert server.interface == Interfaces.WSGI
    assert (server.workers, server.blocking_threads, server.backpressure) == (2, 2, 8)
    assert server.respawn_failed_workers is True


def test_loading_the_app_freezes_what_it_loaded_out_of_the_collectors_sight():
    environment = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k3Jq9vX2mR8tZpW4nL6yB1cF5hD7gS0aE9uY3iO2pQ8rT6wV4zX1bN5mK7jH0lG2",
        "DATABASE_URL": "postgres://u:p@localhost:5432/db",
    }
    environment.pop("DJANGO_DEMO", None)
    script = (
        "import gc, sys, config.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()), "
        "'newsletter.reader.views' in sys.modules)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    frozen, tracked, views_loaded = result.stdout.split()

    # Django, the app and every view are loaded and frozen; a full collection walks only
    # what requests make afterwards.
    assert views_loaded == "True"
    assert int(frozen) > 50_000
    assert int(tracked) < int(frozen) / 100
