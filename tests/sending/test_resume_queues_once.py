"""Workers starting (worker_ready) queue the tasks only of sends that have none queued:
real worker processes, a real SMTP server."""

from collections import Counter

import pytest
from django_tasks_db.models import DBTaskResult

from sending import sends
from sending.models import Delivery, Send
from tests.helpers.worker import start_together_on_another_queue, start_worker, wait_for
from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def tasks(name):
    return DBTaskResult.objects.filter(task_path=f"sending.tasks.{name}")


def tasks_by_send() -> dict[int, Counter]:
    found: dict[int, Counter] = {}
    for path, args_kwargs in DBTaskResult.objects.filter(
        task_path__startswith="sending.tasks."
    ).values_list("task_path", "args_kwargs"):
        found.setdefault(args_kwargs["args"][0], Counter())[path.rsplit(".", 1)[1]] += 1
    return found


def test_workers_starting_together_queue_only_the_sends_with_no_task_queued(
    make_issue, people, smtp_server, tmp_path, settings
):
    settings.SENDING_TASKS_PER_SEND = 2
    addresses = [subscriber(f"once{i}@example.com").email for i in range(5)]
    made = []
    for number in range(1, 5):
        publish_and_email(make_issue(number=number, title=f"Issue {number}"), people)
        made.append(Send.objects.get(issue__number=number))
    queued_start, lost_start, queued_deliveries, lost_deliveries = made
    # Two sends started by a worker that died: rows queued, their delivery tasks queued
    # (two each) or lost with the queue.
    for send in (queued_deliveries, lost_deliveries):
        assert sends.start(send.pk) == "started"
    tasks("start_send").exclude(args_kwargs__args__0=queued_start.pk).delete()
    tasks("deliver").filter(args_kwargs__args__0=lost_deliveries.pk).delete()
    env = {**smtp_server.worker_env, "SENDING_TASKS_PER_SEND": "2"}

    # Three workers of another queue start at once: their starts are all that touches
    # these tasks (none of them takes one).
    start_together_on_another_queue(tmp_path, **env)
    assert tasks_by_send() == {
        queued_start.pk: Counter(start_send=1),
        lost_start.pk: Counter(start_send=1),  # queued by one of the three
        queued_deliveries.pk: Counter(deliver=2),
        lost_deliveries.pk: Counter(deliver=1),  # likewise
    }

    # A worker of the queue sends all four, each to each subscriber once.
    worker = start_worker(tmp_path, **env)
    try:
        wait_for(
            lambda: set(Send.objects.values_list("state", flat=True)) == {"done"},
            timeout=120,
            message="the sends did not finish",
        )
    finally:
        assert worker.stop() == 0
    assert Counter(smtp_server.recipients()) == {address: 4 for address in addresses}
    received = Counter(m["Message-ID"] for _rcpt, m, _at in smtp_server.received)
    assert set(received.values()) == {1}
    assert set(received) == set(Delivery.objects.values_list("message_id", flat=True))
    assert sorted(tasks("start_send").values_list("return_value", flat=True)) == [
        "started",
        "started",
    ]
