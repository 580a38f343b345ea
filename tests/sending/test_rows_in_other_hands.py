"""A worker that finds the send's last row in another worker's hands, and that worker
sending it while this one looks at what is left: this worker looks again later, and then
finishes the send, instead of failing. Two real PostgreSQL sessions: the other worker's
holds the row locked, as `_claim` does, and marks it sent just after this worker's first
look at the queued rows once its claim came back empty."""

import contextlib
import threading

import psycopg
import pytest
from django.db import connection

from sending import delivery, sends
from sending.models import Delivery, Send
from tests.helpers import worker
from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_last_row_sent_by_another_worker_meanwhile_finishes_the_send(
    make_issue, people, smtp_server
):
    subscriber("ada@example.com")
    publish_and_email(make_issue(), people)
    send = Send.objects.get()
    assert sends.start(send.pk) == "started"
    [row] = Delivery.objects.filter(send=send)

    with contextlib.closing(psycopg.connect(worker.test_database_url())) as other:
        other.execute(
            "SELECT id FROM sending_delivery WHERE id = %s FOR UPDATE", [row.pk]
        )  # the other worker has claimed it and is sending it

        claimed_nothing = False

        def other_worker_sends_it_meanwhile(execute, sql, params, many, context):
            nonlocal claimed_nothing
            result = execute(sql, params, many, context)
            if "SKIP LOCKED" in sql:
                claimed_nothing = True
            elif claimed_nothing and "sending_delivery" in sql and other.info.transaction_status:
                other.execute(
                    "UPDATE sending_delivery SET state = 'sent', sent_at = now() WHERE id = %s",
                    [row.pk],
                )
                other.commit()
            return result

        with connection.execute_wrapper(other_worker_sends_it_meanwhile):
            first = delivery.deliver_send(send.pk)

    assert (first["sent"], first["transient"], first["permanent"]) == (0, 0, 0)
    assert first["again_at"] is not None  # the row was queued when it looked: again later
    assert Send.objects.get(pk=send.pk).state == Send.State.SENDING
    again = delivery.deliver_send(send.pk)
    assert again == {"sent": 0, "transient": 0, "permanent": 0, "again_at": None}
    send.refresh_from_db()
    assert send.state == Send.State.DONE
    assert send.finished_at is not None
    assert Delivery.objects.get(pk=row.pk).state == Delivery.State.SENT
    assert smtp_server.count() == 0  # this worker sent nothing


def test_failed_rows_queued_again_while_a_worker_finds_nothing_left_reopen_the_send(
    make_issue, people, smtp_server
):
    """A publisher's "retry failed" while the send is still sending, at the moment a worker
    has found no row queued and is about to call the send done: the retry waits for the
    worker's lock, finds the send done and reopens it, instead of leaving queued rows on a
    done send that no task would ever deliver."""
    subscriber("ada@example.com")
    publish_and_email(make_issue(), people)
    send = Send.objects.get()
    assert sends.start(send.pk) == "started"
    Delivery.objects.filter(send=send).update(state=Delivery.State.FAILED, attempts=5)

    retried = []

    def retry_from_the_admin():
        try:
            retried.append(sends.retry_failed(Send.objects.get(pk=send.pk)))
        finally:
            connection.close()  # this thread's own connection

    publisher = threading.Thread(target=retry_from_the_admin)

    def retry_once_nothing_was_found_queued(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "MIN(" in sql.upper() and not publisher.is_alive() and not retried:
            publisher.start()
            publisher.join(1.0)  # done at once unless the worker's lock holds it back
        return result

    with connection.execute_wrapper(retry_once_nothing_was_found_queued):
        first = delivery.deliver_send(send.pk)
    publisher.join(10)
    assert retried == [1]
    assert first["again_at"] is None  # nothing was queued when it looked
    send.refresh_from_db()
    assert send.state == Send.State.SENDING  # reopened by the retry, for its task to deliver
    assert send.finished_at is None
    assert Delivery.objects.get(send=send).state == Delivery.State.QUEUED
    again = delivery.deliver_send(send.pk)
    assert again["sent"] == 1
    assert Send.objects.get(pk=send.pk).state == Send.State.DONE
    assert smtp_server.recipients() == ["ada@example.com"]
