"""A send delivered by real `manage.py worker` processes on the RQ backend (a real
redis-server) to a real SMTP server."""

from collections import Counter

import pytest

from sending.models import Delivery, Send
from tests.helpers.worker import start_worker, wait_for
from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_send_through_rq_workers_reaches_every_subscriber_once(
    rq_backend, make_issue, people, smtp_server, tmp_path
):
    addresses = [subscriber(f"rq{i:03}@example.com").email for i in range(60)]
    env = {**smtp_server.worker_env, **rq_backend}
    workers = [start_worker(tmp_path, name=f"rq{i}", **env) for i in range(2)]
    try:
        publish_and_email(make_issue(), people)
        send = Send.objects.get()
        wait_for(
            lambda: Send.objects.get(pk=send.pk).state == "done",
            timeout=180,
            message="the send through RQ did not finish",
        )
    finally:
        for worker in workers:
            assert worker.stop() == 0
    received = Counter(smtp_server.recipients())
    assert set(received) == set(addresses)
    assert max(received.values()) == 1
    assert set(Delivery.objects.filter(send=send).values_list("state", flat=True)) == {"sent"}
