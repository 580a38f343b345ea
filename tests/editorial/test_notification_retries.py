"""Workflow emails go out from a worker process, and a mail server that refuses for a while
(4xx) only delays them: the transition has answered already, and each message arrives once."""

import logging

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from editorial.roles import REVIEWERS
from newsletter.models import Issue
from tests.helpers.worker import start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewer_rita(django_user_model):
    rita = django_user_model.objects.create_user("rita", email="rita@example.com", is_staff=True)
    rita.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    return rita


def test_a_refused_notification_is_retried_by_the_worker_until_the_server_takes_it(
    client,
    make_issue,
    editor,
    reviewer_rita,
    smtp_server,
    tmp_path,
    monkeypatch,
):
    smtp_server.greylist_first = 2
    issue = make_issue()
    client.force_login(editor)

    response = client.post(reverse("admin:newsletter_issue_transition", args=[issue.pk, "submit"]))

    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).state == "in_review"
    assert smtp_server.rcpt_count == 0  # the request did not talk to the mail server
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "editorial.notification_tasks.send_notification"

    worker = start_worker(
        tmp_path, **smtp_server.worker_env, EDITORIAL_NOTIFICATION_RETRY_SECONDS="0.5"
    )
    try:
        wait_for(lambda: smtp_server.count() == 1, timeout=60, message="never delivered")
        wait_for(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 3)
    finally:
        assert worker.stop() == 0
    assert smtp_server.rcpt_count == 3
    assert smtp_server.recipients() == ["rita@example.com"]
    (message,) = smtp_server.to("rita@example.com")
    assert message["Subject"].strip().startswith("[Machine Learning Monthly] Review requested")
    log = worker.log()
    assert "attempt 1 of 4, again in 0.5s" in log and "attempt 2 of 4, again in 1.0s" in log
    assert "451" in log
    assert "Sent the submit email" in log
    results = [r.return_value for r in DBTaskResult.objects.order_by("enqueued_at")]
    assert results == ["retrying", "retrying", "sent"]


def test_a_notification_given_up_on_is_logged_as_an_error(
    make_issue,
    editor,
    reviewer_rita,
    smtp_server,
    immediate_tasks,
    settings,
    caplog,
):
    from editorial.workflow import perform

    smtp_server.greylist_first = 10
    settings.EDITORIAL_NOTIFICATION_ATTEMPTS = 3
    issue = make_issue()
    with caplog.at_level(logging.WARNING, logger="editorial.notifications"):
        perform(issue, "submit", by=editor)
    assert smtp_server.rcpt_count == 3
    assert smtp_server.count() == 0
    ours = [r for r in caplog.records if r.name == "editorial.notifications"]
    assert [r.levelname for r in ours] == ["WARNING", "WARNING", "ERROR"]
    assert "after 3 attempts" in ours[-1].getMessage() and "451" in ours[-1].getMessage()
    assert Issue.objects.get(pk=issue.pk).state == "in_review"
