"""TASKS_BACKEND=rq: tasks go to a real redis-server through django-tasks-rq, and
`manage.py worker` runs RQ's worker on them."""

import pytest
from django.tasks import task_backends

from tests.background.tasks import add
from tests.helpers.worker import start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_enqueued_on_redis_runs_in_an_rq_worker_process(rq_backend, tmp_path):
    result = add.enqueue(2, 3)
    assert type(task_backends["default"]).__name__ == "RQBackend"
    worker = start_worker(tmp_path, **rq_backend)
    try:
        wait_for(lambda: _rq_status(result.id) == "SUCCESSFUL", timeout=60)
        assert task_backends["default"].get_result(result.id).return_value == 5
        assert "RQ backend" in worker.log()
    finally:
        assert worker.stop() == 0


def _rq_status(result_id):
    return task_backends["default"].get_result(result_id).status
