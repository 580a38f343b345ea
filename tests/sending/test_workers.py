"""Sends delivered by real worker processes (`manage.py worker`) to a real SMTP server:
killed part-way, two at once, started at a scheduled go-live."""

import os
import signal
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from sending.models import Delivery, Send
from tests.helpers.worker import start_worker, wait_for
from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def _subscribers(n):
    return [subscriber(f"reader{i:03}@example.com").email for i in range(n)]


def _done(send_id):
    return Send.objects.get(pk=send_id).state == "done"


def test_a_worker_killed_mid_send_loses_nothing_and_a_new_one_finishes(
    make_issue, people, smtp_server, tmp_path
):
    addresses = _subscribers(300)
    smtp_server.delay = 0.01
    publish_and_email(make_issue(), people)
    send = Send.objects.get()
    first = start_worker(tmp_path, name="first", **smtp_server.worker_env)
    wait_for(lambda: smtp_server.count() >= 60, timeout=120, message="the send did not start")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    at_kill = smtp_server.count()
    assert 0 < at_kill < 300, "the kill should come part-way through the send"

    second = start_worker(tmp_path, name="second", **smtp_server.worker_env)
    try:
        wait_for(lambda: _done(send.pk), timeout=180, message="the send did not finish")
    finally:
        second.stop()

    received = Counter(smtp_server.recipients())
    duplicates = sum(n - 1 for n in received.values())
    print(f"crash test: {at_kill} received at the kill, {duplicates} duplicate(s)")
    assert set(received) == set(addresses)
    assert duplicates <= 1  # one worker, one message in flight at the kill
    rows = Delivery.objects.filter(send=send)
    assert rows.count() == 300
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    sent_ids = {m["Message-ID"] for _rcpt, m, _at in smtp_server.received}
    assert sent_ids == set(rows.values_list("message_id", flat=True))


def test_two_workers_share_a_send_and_nobody_gets_it_twice(
    make_issue, people, smtp_server, tmp_path
):
    addresses = _subscribers(200)
    workers = [start_worker(tmp_path, name=f"w{i}", **smtp_server.worker_env) for i in range(2)]
    try:
        publish_and_email(make_issue(), people)
        send = Send.objects.get()
        wait_for(lambda: _done(send.pk), timeout=180, message="the send did not finish")
    finally:
        for worker in workers:
            assert worker.stop() == 0
    received = Counter(smtp_server.recipients())
    assert set(received) == set(addresses)
    assert max(received.values()) == 1


def test_a_scheduled_send_starts_at_its_go_live_second_and_not_before(
    make_issue, people, smtp_server, tmp_path
):
    _subscribers(20)
    worker = start_worker(tmp_path, **smtp_server.worker_env)
    try:
        go_live = (timezone.now() + timedelta(seconds=5)).replace(microsecond=0)
        publish_and_email(make_issue(), people, at=go_live)
        send = Send.objects.get()
        assert send.state == "waiting"
        wait_for(lambda: _done(send.pk), timeout=120, message="the send did not finish")
    finally:
        worker.stop()
    times = [at for _rcpt, _m, at in smtp_server.received]
    assert len(times) == 20
    assert min(times) >= go_live
    sent = Delivery.objects.filter(send=send).values_list("sent_at", flat=True)
    assert min(sent) >= go_live


def test_a_cancelled_schedule_sends_nothing(make_issue, people, smtp_server, tmp_path):
    _subscribers(3)
    worker = start_worker(tmp_path, **smtp_server.worker_env)
    try:
        issue = make_issue()
        go_live = timezone.now() + timedelta(seconds=3)
        publish_and_email(issue, people, at=go_live)
        from editorial.workflow import perform

        perform(issue, "cancel_schedule", by=people["publisher"])
        wait_for(lambda: timezone.now() > go_live + timedelta(seconds=3), timeout=20)
    finally:
        worker.stop()
    assert Send.objects.get().state == "cancelled"
    assert smtp_server.count() == 0
