"""A committed transition stays committed and answers normally, whatever its emails do;
subjects are plain text on one line."""

import email
import logging
import socket

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from editorial.models import Event
from editorial.roles import REVIEWERS
from editorial.signals import transition_performed
from editorial.workflow import perform
from newsletter.models import Issue

# Each email is a task: here it runs where it is enqueued.
pytestmark = pytest.mark.usefixtures("immediate_tasks")


def transition(client, user, issue, action):
    client.force_login(user)
    return client.post(reverse("admin:newsletter_issue_transition", args=[issue.pk, action]))


@pytest.fixture
def reviewers(django_user_model):
    rita = django_user_model.objects.create_user("rita", email="rita@example.com", is_staff=True)
    rita.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    return rita


def stored_before_the_rule(issue, title):
    """A title from before titles were single-line (or written past the forms)."""
    Issue.objects.filter(pk=issue.pk).update(title=title)
    issue.refresh_from_db()
    return issue


# Transactional: the emails go after a real commit, inside the request, as in production.
@pytest.mark.django_db(transaction=True)
def test_a_line_break_in_a_title_does_not_turn_a_committed_submit_into_an_error(
    client, make_issue, editor, reviewers, caplog
):
    issue = stored_before_the_rule(make_issue(), "Evil\r\nBcc: everyone@example.com")

    with caplog.at_level(logging.ERROR):
        response = transition(client, editor, issue, "submit")

    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).state == "in_review"
    assert Event.objects.filter(issue=issue, action="submit").count() == 1
    # The subject is flattened to one line, so the message goes, with no header injected.
    assert [m.subject for m in mail.outbox] == [
        "[Machine Learning Monthly] Review requested: #1 Evil Bcc: everyone@example.com"
    ]
    sent = email.message_from_bytes(mail.outbox[0].message().as_bytes())
    assert sent.get_all("Bcc") is None and sent["To"] == "rita@example.com"


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_down_is_logged_and_the_transition_answers_normally(
    client, make_issue, editor, reviewers, settings, caplog
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    issue = make_issue()

    with caplog.at_level(logging.ERROR, logger="editorial.notifications"):
        response = transition(client, editor, issue, "submit")

    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).state == "in_review"
    assert any("Could not send the submit email" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_logged_and_the_others_still_run(
    client, make_issue, editor, reviewers, caplog
):
    def broken(sender, **kwargs):
        raise RuntimeError("the send queue is unreachable")

    transition_performed.connect(broken, dispatch_uid="test-broken")
    try:
        with caplog.at_level(logging.ERROR, logger="editorial.workflow"):
            response = transition(client, editor, make_issue(), "submit")
    finally:
        transition_performed.disconnect(dispatch_uid="test-broken")

    assert response.status_code == 302
    assert len(mail.outbox) == 1  # the notifications ran all the same
    failure = next(r for r in caplog.records if r.name == "editorial.workflow")
    assert "broken failed after submit" in failure.getMessage()
    assert "unreachable" in str(failure.exc_info[1])


@pytest.mark.django_db
def test_a_subject_is_plain_text_not_html(
    make_issue, editor, reviewers, django_capture_on_commit_callbacks
):
    issue = make_issue(title="Tips & tricks: <b>RLHF</b> \"for\" 'free'")

    with django_capture_on_commit_callbacks(execute=True):
        perform(issue, "submit", by=editor)

    assert mail.outbox[0].subject == (
        "[Machine Learning Monthly] Review requested: #1 Tips & tricks: <b>RLHF</b> \"for\" 'free'"
    )
