"""A send that outlives its worker, and a send that pauses itself when the mail server
keeps refusing: real worker processes, a real SMTP server answering 4xx and 5xx."""

from collections import Counter

import pytest

from sending import sends
from sending.models import Delivery, Send
from tests.helpers.worker import start_worker, wait_for
from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def _state(send_id):
    return Send.objects.get(pk=send_id).state


def test_a_worker_starting_resumes_a_send_whose_only_worker_died_holding_it(
    make_issue, people, smtp_server, tmp_path
):
    """One delivery task a send: when its worker dies, nothing else is queued for the
    send; only the next worker's start (worker_ready) puts it back on the queue."""
    addresses = [subscriber(f"resume{i:03}@example.com").email for i in range(80)]
    smtp_server.delay = 0.02
    env = {**smtp_server.worker_env, "SENDING_TASKS_PER_SEND": "1"}
    first = start_worker(tmp_path, name="first", **env)
    publish_and_email(make_issue(), people)
    send = Send.objects.get()
    wait_for(lambda: smtp_server.count() >= 10, timeout=120, message="the send did not start")
    first.kill()
    assert _state(send.pk) == "sending"
    assert Delivery.objects.filter(send=send, state="queued").exists()

    second = start_worker(tmp_path, name="second", **env)
    try:
        wait_for(lambda: _state(send.pk) == "done", timeout=180, message="no resume")
    finally:
        assert second.stop() == 0
    received = Counter(smtp_server.recipients())
    assert set(received) == set(addresses)
    assert sum(n - 1 for n in received.values()) <= 1  # at most the message in flight
    assert set(Delivery.objects.filter(send=send).values_list("state", flat=True)) == {"sent"}


def test_a_send_pauses_itself_past_the_error_rate_and_finishes_once_resumed(
    make_issue, people, smtp_server, tmp_path
):
    addresses = [subscriber(f"pause{i:02}@example.com").email for i in range(12)]
    deferred, refused = set(addresses[:3]), addresses[3]
    smtp_server.defer = set(deferred)
    smtp_server.refuse = {refused}
    env = {
        **smtp_server.worker_env,
        "SENDING_PAUSE_MIN_ATTEMPTS": "4",
        "SENDING_PAUSE_ERROR_RATE": "0.5",
        "SENDING_RETRY_BASE_SECONDS": "1",
        "SENDING_TASKS_PER_SEND": "1",
    }
    worker = start_worker(tmp_path, **env)
    try:
        publish_and_email(make_issue(), people)
        send = Send.objects.get()
        wait_for(lambda: _state(send.pk) == "paused", timeout=120, message="it did not pause")
        paused = Send.objects.get(pk=send.pk)
        assert paused.note == "Paused automatically: 4 of 4 attempted messages failed."
        rows = {row.email: row for row in Delivery.objects.filter(send=send)}
        assert rows[refused].state == "bounced"
        assert rows[refused].last_error.startswith("550")
        assert {rows[a].state for a in deferred} == {"queued"}
        assert all(rows[a].last_error.startswith("451") for a in deferred)
        assert sum(row.attempts for row in rows.values()) == 4  # nothing after the pause
        assert smtp_server.count() == 0

        smtp_server.defer = set()  # the server recovers; a publisher resumes
        assert sends.resume(paused)
        wait_for(lambda: _state(send.pk) == "done", timeout=120, message="it did not finish")
    finally:
        assert worker.stop() == 0
    received = Counter(smtp_server.recipients())
    assert set(received) == set(addresses) - {refused}
    assert max(received.values()) == 1
    states = Counter(Delivery.objects.filter(send=send).values_list("state", flat=True))
    assert states == {"sent": 11, "bounced": 1}
