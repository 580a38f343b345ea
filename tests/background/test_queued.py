"""background.queued: the runs of a task still waiting for a worker, in either backend.

A run a worker took is no longer queued; a deferred one (a retry's) is until it runs.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from background.queued import queued_arguments
from tests.background.tasks import add
from tests.helpers.worker import start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def enqueue_now_and_later():
    add.enqueue(2, 3)
    add.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(4, 5)


def test_the_database_backend_tells_what_waits_until_a_worker_takes_it(tmp_path):
    enqueue_now_and_later()
    assert sorted(queued_arguments(add)) == [[2, 3], [4, 5]]

    worker = start_worker(tmp_path)
    try:
        wait_for(lambda: queued_arguments(add) == [[4, 5]], timeout=30)
    finally:
        assert worker.stop() == 0


def test_the_rq_backend_tells_what_waits_on_its_queue_and_in_its_schedule(rq_backend, tmp_path):
    enqueue_now_and_later()
    assert sorted(queued_arguments(add)) == [[2, 3], [4, 5]]

    worker = start_worker(tmp_path, **rq_backend)
    try:
        wait_for(lambda: queued_arguments(add) == [[4, 5]], timeout=30)
    finally:
        assert worker.stop() == 0


def test_the_immediate_backend_keeps_nothing_waiting(immediate_tasks):
    add.enqueue(2, 3)
    assert queued_arguments(add) == []
