"""Tasks the worker tests enqueue: the worker process imports them by path."""

import time

from django.tasks import task

from background import stopping


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def work_until_asked_to_stop(limit_seconds: float) -> str:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        if stopping.requested():
            return "stopped"
        time.sleep(0.05)
    return "ran out of time"
