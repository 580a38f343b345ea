"""The issue page's *Email the correction* button: publishers only, on a live correction of
an issue that was emailed, through a confirmation page and a CSRF-protected POST that sends
the correction once and records it on the timeline."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from editorial import notifications
from editorial.models import Event
from editorial.workflow import perform
from sending.models import Send
from tests.sending.conftest import approve, publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def change_url(issue):
    return reverse("admin:newsletter_issue_change", args=(issue.pk,))


def correction_url(issue):
    return reverse("admin:newsletter_issue_send_correction", args=(issue.pk,))


def corrected(issue, people):
    """Publish a correction (revision 2) of an issue already emailed, without emailing it."""
    approve(issue, people)
    with notifications.muted():
        perform(issue, "publish", by=people["publisher"])


def logged_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def emailed_then_corrected(make_issue, people, smtp_server, immediate_tasks):
    subscriber("ada@example.com")
    subscriber("bob@example.com")
    issue = make_issue()
    publish_and_email(issue, people)
    assert smtp_server.count() == 2
    corrected(issue, people)
    return issue


def test_a_publisher_confirms_and_every_subscriber_gets_the_correction_once(
    emailed_then_corrected, people, smtp_server
):
    issue = emailed_then_corrected
    subscriber("cleo@example.com")  # subscribed since the first email: gets the correction
    publisher = logged_in(people["publisher"], enforce_csrf_checks=True)

    page = publisher.get(change_url(issue)).text
    assert f'href="{correction_url(issue)}"' in page
    assert "Revision 1 was emailed to the subscribers" in page

    confirm = publisher.get(correction_url(issue))
    assert confirm.status_code == 200
    assert "3 subscribers" in confirm.text
    assert "Correction: Machine Learning Monthly #1" in confirm.text
    assert smtp_server.count() == 2  # asking is not sending

    assert publisher.post(correction_url(issue), {"comment": "Fixed a link"}).status_code == 403
    assert Send.objects.filter(kind="correction").count() == 0

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.text).group(1)
    response = publisher.post(
        correction_url(issue), {"csrfmiddlewaretoken": token, "comment": "Fixed a link"}
    )
    assert response.status_code == 302 and response["Location"] == change_url(issue)

    send = Send.objects.get(kind="correction")
    assert send.state == "done" and send.revision.number == 2
    assert send.requested_by == people["publisher"]
    subjects = [m["Subject"].strip() for _rcpt, m, _at in smtp_server.received[2:]]
    assert len(subjects) == 3 and all(s.startswith("Correction: ") for s in subjects)
    assert sorted(smtp_server.recipients()[2:]) == [
        "ada@example.com",
        "bob@example.com",
        "cleo@example.com",
    ]
    event = Event.objects.get(action="send_correction")
    assert (event.actor, event.revision.number, event.comment) == (
        people["publisher"],
        2,
        "Fixed a link",
    )

    after = publisher.get(change_url(issue)).text
    assert "Emailed the correction to subscribers" in after  # on the timeline
    assert f'href="{correction_url(issue)}"' not in after  # sent once: no button now
    again = publisher.post(correction_url(issue), {"csrfmiddlewaretoken": token})
    assert again.status_code == 302
    assert Send.objects.filter(kind="correction").count() == 1
    assert smtp_server.count() == 5


def test_editors_and_reviewers_get_no_button_and_are_refused(
    emailed_then_corrected, people, smtp_server
):
    issue = emailed_then_corrected
    for role in ("editor", "reviewer"):
        client = logged_in(people[role])
        assert correction_url(issue) not in client.get(change_url(issue)).text
        assert client.get(correction_url(issue)).status_code == 403
        assert client.post(correction_url(issue)).status_code == 403
    assert Send.objects.filter(kind="correction").count() == 0
    assert not Event.objects.filter(action="send_correction").exists()
    assert smtp_server.count() == 2


def test_no_button_while_the_live_revision_is_the_one_emailed_or_none_was(
    make_issue, people, smtp_server, immediate_tasks
):
    subscriber("ada@example.com")
    emailed, never_emailed = make_issue(number=1), make_issue(number=2, slug="issue-2")
    publish_and_email(emailed, people)
    approve(never_emailed, people)
    with notifications.muted():
        perform(never_emailed, "publish", by=people["publisher"])
    corrected(never_emailed, people)
    publisher = logged_in(people["publisher"])
    for issue in (emailed, never_emailed):
        assert correction_url(issue) not in publisher.get(change_url(issue)).text
        refused = publisher.post(correction_url(issue), follow=True)
        assert "has no correction to email" in refused.text
    assert Send.objects.filter(kind="correction").count() == 0
    assert smtp_server.count() == 1
