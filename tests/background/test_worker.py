"""`manage.py worker` (`make worker`) runs enqueued tasks in a real process."""

import pytest
from django_tasks_db.models import DBTaskResult

from tests.background.tasks import add, work_until_asked_to_stop
from tests.helpers.worker import start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _status(result_id):
    return DBTaskResult.objects.get(pk=result_id)


def test_a_worker_process_runs_a_task_enqueued_in_the_database(tmp_path):
    result = add.enqueue(2, 3)
    assert _status(result.id).status == "READY"  # nothing runs it but a worker
    worker = start_worker(tmp_path)
    try:
        done = wait_for(lambda: _status(result.id).status == "SUCCESSFUL", timeout=30)
        assert done
        assert _status(result.id).return_value == 5
    finally:
        assert worker.stop() == 0


def test_sigterm_asks_the_task_in_hand_to_stop_and_the_worker_exits(tmp_path):
    worker = start_worker(tmp_path)
    result = work_until_asked_to_stop.enqueue(60)
    wait_for(lambda: _status(result.id).status == "RUNNING", timeout=30)
    assert worker.stop(timeout=20) == 0
    finished = _status(result.id)
    assert finished.status == "SUCCESSFUL"
    assert finished.return_value == "stopped"
