"""A send that reaches nobody (nobody confirmed when it starts) is recorded so under Sends
and does not use up the issue's one email: once someone is confirmed, the next revision
published or scheduled with the box ticked is emailed as the issue. Real worker processes
deliver to a real SMTP server; the publisher works through the admin."""

from datetime import timedelta
from html import escape

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from editorial import notifications, sitetime
from editorial.workflow import perform
from sending.models import Send
from subscribers.models import Subscriber
from tests.helpers.worker import start_worker, wait_for
from tests.sending.conftest import approve, publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)

NOBODY_BEFORE = (
    "No email will be sent: no subscriber is confirmed yet. This does not count as the "
    "issue's email: once someone is confirmed, publish or schedule a new revision of it "
    "with “Also email subscribers when it goes live” ticked and it is emailed then."
)
NOBODY_AFTER = NOBODY_BEFORE.replace("No email will be sent", "No email was sent")


@pytest.fixture
def worker(smtp_server, tmp_path):
    process = start_worker(tmp_path, **smtp_server.worker_env)
    yield process
    assert process.stop() == 0


@pytest.fixture
def publisher(people):
    client = Client()
    client.force_login(people["publisher"])
    return client


def through_the_admin(client, issue, revision, *, at=None):
    """The panel's form, ticked, posted to its confirmation, then the confirmation's button:
    (the confirmation page, the message after)."""
    issue.refresh_from_db()
    action = "schedule" if at is not None else "publish"
    data = {
        "revision": str(revision),
        "version": str(issue.version),
        "email_subscribers": "1",
        "comment": "",
    }
    if at is not None:
        data["at"] = sitetime.to_input_value(at, seconds=True)
    page = client.post(reverse("admin:newsletter_issue_confirm", args=[issue.pk, action]), data)
    assert page.status_code == 200
    url = reverse("admin:newsletter_issue_transition", args=[issue.pk, action])
    response = client.post(url, data)
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    return page.text, message


def finished(send_id):
    state = Send.objects.get(pk=send_id).state
    return state not in (Send.State.WAITING, Send.State.SENDING) and state


def test_published_to_nobody_confirmed_it_reaches_nobody_and_a_new_revision_emails_the_issue(
    make_issue, people, smtp_server, worker, publisher
):
    subscriber("pending@example.com", status=Subscriber.Status.PENDING)
    issue = make_issue()
    approve(issue, people)

    page, message = through_the_admin(publisher, issue, 1)
    assert escape(NOBODY_BEFORE) in page
    assert "Publish now</button>" in page  # not "and email subscribers"
    assert message == f"Revision 1 of issue #1 is live now. {NOBODY_AFTER}"

    empty = Send.objects.get()
    assert wait_for(lambda: finished(empty.pk), timeout=60) == Send.State.NOBODY
    empty.refresh_from_db()
    assert empty.started_at is not None and empty.finished_at is not None
    assert empty.note.startswith("Nobody was confirmed when it started, so nobody was emailed.")
    assert not empty.deliveries.exists()
    # The history says it ran and reached nobody.
    listing = publisher.get(reverse("admin:sending_send_changelist")).text
    assert "Reached nobody" in listing
    assert "Nobody to email: nobody was confirmed when it started." in listing
    detail = publisher.get(reverse("admin:sending_send_change", args=[empty.pk])).text
    assert "Nobody was confirmed when it started" in detail

    subscriber("ada@example.com")
    approve(issue, people)  # revision 2: what exists to email it now
    page, message = through_the_admin(publisher, issue, 2)
    assert "1 subscriber will get it by email now, as soon as it is live." in page
    assert "emailed to subscribers already" not in page
    assert message == "Revision 2 of issue #1 is live now. It is being emailed to 1 subscriber now."

    send = Send.objects.exclude(pk=empty.pk).get()
    assert (send.kind, send.revision.number) == (Send.Kind.ISSUE, 2)
    assert wait_for(lambda: finished(send.pk), timeout=60) == Send.State.DONE
    assert smtp_server.recipients() == ["ada@example.com"]
    [mail] = smtp_server.to("ada@example.com")
    assert mail["Subject"].strip() == "Machine Learning Monthly #1: Small models, big ideas"
    assert Send.objects.get(pk=empty.pk).state == Send.State.NOBODY  # still on record


def test_a_schedule_whose_go_live_finds_nobody_reaches_nobody_and_a_schedule_later_emails_it(
    make_issue, people, smtp_server, worker, publisher
):
    issue = make_issue()
    approve(issue, people)
    go_live = timezone.now() + timedelta(seconds=8)
    page, message = through_the_admin(publisher, issue, 1, at=go_live)
    assert escape("If nobody is by then, that does not count as the issue's email.") in page
    assert message.endswith("If nobody is by then, that does not count as the issue's email.")
    empty = Send.objects.get()
    assert empty.state == Send.State.WAITING
    assert wait_for(lambda: finished(empty.pk), timeout=60) == Send.State.NOBODY
    assert Send.objects.get(pk=empty.pk).started_at >= go_live.replace(microsecond=0)

    subscriber("ada@example.com")
    subscriber("bob@example.com")
    approve(issue, people)
    go_live = timezone.now() + timedelta(seconds=8)
    page, message = through_the_admin(publisher, issue, 2, at=go_live)
    assert "2 subscribers will get it by email at" in page
    assert "2 subscribers will get it by email at" in message
    send = Send.objects.exclude(pk=empty.pk).get()
    assert wait_for(lambda: finished(send.pk), timeout=60) == Send.State.DONE
    assert sorted(smtp_server.recipients()) == ["ada@example.com", "bob@example.com"]
    assert all(at >= go_live.replace(microsecond=0) for _rcpt, _m, at in smtp_server.received)


def test_a_correction_that_reached_nobody_can_be_emailed_once_someone_is_confirmed(
    make_issue, people, smtp_server, worker, publisher
):
    ada = subscriber("ada@example.com")
    issue = make_issue()
    publish_and_email(issue, people)
    first = Send.objects.get()
    assert wait_for(lambda: finished(first.pk), timeout=60) == Send.State.DONE
    Subscriber.objects.filter(pk=ada.pk).update(status=Subscriber.Status.UNSUBSCRIBED)
    approve(issue, people)
    with notifications.muted():
        perform(issue, "publish", by=people["publisher"])

    change = reverse("admin:newsletter_issue_change", args=[issue.pk])
    button = reverse("admin:newsletter_issue_send_correction", args=[issue.pk])
    assert f'href="{button}"' in publisher.get(change).text
    response = publisher.post(button)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Revision 2 of issue #1 was not emailed: no subscriber is confirmed yet. This does "
        "not count as the correction's email: once someone is confirmed, “Email the "
        "correction…” on the issue page emails it."
    ]
    empty = Send.objects.get(kind=Send.Kind.CORRECTION)
    assert wait_for(lambda: finished(empty.pk), timeout=60) == Send.State.NOBODY
    empty.refresh_from_db()
    assert "“Email the correction…” on the issue page emails it" in empty.note

    subscriber("bob@example.com")
    assert f'href="{button}"' in publisher.get(change).text  # offered again
    assert "1 subscriber</strong>" in publisher.get(button).text
    response = publisher.post(button)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Revision 2 of issue #1 is being emailed to the subscribers as a correction; "
        "follow it under Sends."
    ]
    send = Send.objects.filter(kind=Send.Kind.CORRECTION).exclude(pk=empty.pk).get()
    assert wait_for(lambda: finished(send.pk), timeout=60) == Send.State.DONE
    assert smtp_server.recipients() == ["ada@example.com", "bob@example.com"]
    assert smtp_server.to("bob@example.com")[0]["Subject"].startswith("Correction: ")
