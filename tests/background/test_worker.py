"""`manage.py worker` (`make worker`) runs enqueued tasks in a real process."""

import pytest
from django.db import connection
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


def _in_slow_commit():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'active' AND query = 'COMMIT' AND wait_event = 'PgSleep'"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def slow_claims():
    """The claim of a task (its row set RUNNING) takes a second to commit: a trigger that
    PostgreSQL runs at COMMIT sleeps, so a signal can be sent while the worker waits there."""
    table = DBTaskResult._meta.db_table
    drop = (f"DROP TRIGGER IF EXISTS slow_claim ON {table}", "DROP FUNCTION IF EXISTS slow_claim()")
    with connection.cursor() as cursor:
        for statement in drop:  # a run killed before its teardown left them (--reuse-db)
            cursor.execute(statement)
        cursor.execute(
            "CREATE FUNCTION slow_claim() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$"
        )
        cursor.execute(
            f"CREATE CONSTRAINT TRIGGER slow_claim AFTER UPDATE ON {table} "  # noqa: S608
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "WHEN (NEW.status = 'RUNNING') EXECUTE FUNCTION slow_claim()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)


def test_sigterm_in_the_middle_of_a_commit_lets_it_finish_and_the_worker_exits_0(
    tmp_path, slow_claims
):
    worker = start_worker(tmp_path)
    try:
        result = add.enqueue(2, 3)
        wait_for(_in_slow_commit, timeout=30, interval=0.02, message="the claim never committed")
    finally:
        assert worker.stop(timeout=20) == 0  # a status other than 0 prints the log
    assert "Traceback" not in worker.log()
    wait_for(lambda: not _in_slow_commit(), timeout=10)  # the server's side of it, too
    # Claimed before the signal, so run before the worker stopped. django-tasks-db's own
    # handler left in the middle of the COMMIT: the claim was rolled back here, and when
    # the signal landed in psycopg's Python code the worker died with exit status 1.
    finished = _status(result.id)
    assert (finished.status, finished.return_value) == ("SUCCESSFUL", 5)
