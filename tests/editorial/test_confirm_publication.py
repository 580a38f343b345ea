"""Publishing or scheduling from the issue page is confirmed first, and the confirmation
and the message after it say plainly whether the subscribers get the issue by email."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from editorial import sitetime
from editorial.models import Event
from editorial.workflow import perform
from newsletter.models import Revision
from sending.models import Send
from subscribers.models import Subscriber
from subscribers.suppression import suppress

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_in_london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def approved(make_issue, editor, reviewer):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    perform(issue, "approve", by=reviewer)
    issue.refresh_from_db()
    return issue


@pytest.fixture
def subscribers(db):
    """1,234 who get the issue, and one confirmed but suppressed, one pending."""
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n}@example.com", status="confirmed", confirmed_at=timezone.now())
        for n in range(1234)
    )
    Subscriber.objects.create(email="bounced@example.com", status="confirmed")
    suppress("bounced@example.com", "hard_bounce")
    Subscriber.objects.create(email="pending@example.com")


def form(issue, **extra):
    return {"revision": "1", "version": str(issue.version), "comment": "", **extra}


def confirm(client, user, issue, action, **data):
    client.force_login(user)
    url = reverse("admin:newsletter_issue_confirm", args=[issue.pk, action])
    return client.post(url, form(issue, **data))


def perform_posted(client, issue, action, **data):
    url = reverse("admin:newsletter_issue_transition", args=[issue.pk, action])
    response = client.post(url, form(issue, **data))
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    return message


def test_the_publish_confirmation_says_how_many_subscribers_get_it_by_email_now(
    client, publisher, approved, subscribers
):
    page = confirm(client, publisher, approved, "publish", email_subscribers="1")

    assert page.status_code == 200
    assert "Publish revision 1 of issue #1?" in page.text
    assert "1,234 subscribers will get it by email now, as soon as it is live." in page.text
    assert "No email will be sent" not in page.text
    assert "Publish now and email subscribers</button>" in page.text
    # Nothing happened yet: the page only asks.
    assert not Revision.objects.filter(go_live_at__isnull=False).exists()
    assert not Event.objects.filter(action="publish").exists()

    message = perform_posted(client, approved, "publish", email_subscribers="1")
    assert message == (
        "Revision 1 of issue #1 is live now. It is being emailed to 1,234 subscribers now."
    )
    assert Send.objects.filter(issue=approved).count() == 1


def test_the_schedule_confirmation_says_when_the_subscribers_get_it(
    client, publisher, approved, subscribers
):
    at = (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    local = sitetime.to_input_value(at)
    when = sitetime.describe(sitetime.parse_local(local))

    page = confirm(client, publisher, approved, "schedule", at=local, email_subscribers="1")

    assert "Schedule revision 1 of issue #1?" in page.text
    assert f"1,234 subscribers will get it by email at {when}" in page.text
    assert f'<input type="hidden" name="at" value="{local}">' in page.text
    assert not Revision.objects.filter(go_live_at__isnull=False).exists()

    message = perform_posted(client, approved, "schedule", at=local, email_subscribers="1")
    assert message == (
        f"Revision 1 of issue #1 will go live at {when}. "
        f"1,234 subscribers will get it by email at {when}."
    )


def test_without_the_box_ticked_the_confirmation_and_the_message_say_no_email_is_sent(
    client, publisher, approved, subscribers
):
    page = confirm(client, publisher, approved, "publish")

    assert "No email will be sent: subscribers will not get this issue by email." in page.text
    assert "Publish now</button>" in page.text
    assert "subscribers will get it" not in page.text

    message = perform_posted(client, approved, "publish")
    assert message == (
        "Revision 1 of issue #1 is live now. "
        "No email was sent: subscribers will not get this issue by email."
    )
    assert not Send.objects.exists()


def test_an_issue_emailed_before_is_not_emailed_again_and_the_confirmation_says_so(
    client, publisher, editor, reviewer, approved, subscribers
):
    perform(approved, "publish", by=publisher, email_subscribers=True)
    perform(approved, "submit", by=editor)
    perform(approved, "approve", by=reviewer)
    approved.refresh_from_db()

    page = confirm(client, publisher, approved, "publish", revision="2", email_subscribers="1")

    assert "No email will be sent: this issue has been emailed to subscribers already" in page.text
    url = reverse("admin:newsletter_issue_transition", args=[approved.pk, "publish"])
    response = client.post(url, form(approved, revision="2", email_subscribers="1"))
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "No email was sent: this issue has been emailed to subscribers already" in message
    assert Send.objects.count() == 1


def test_with_no_confirmed_subscriber_the_confirmation_says_nobody_gets_it(
    client, publisher, approved
):
    page = confirm(client, publisher, approved, "publish", email_subscribers="1")
    assert "No email will be sent: no subscriber is confirmed yet." in page.text


def test_one_subscriber_is_one_subscriber(client, publisher, approved):
    Subscriber.objects.create(email="ada@example.com", status="confirmed")
    page = confirm(client, publisher, approved, "publish", email_subscribers="1")
    assert "1 subscriber will get it by email now" in page.text


@pytest.mark.parametrize(
    ("action", "data", "says"),
    [
        ("schedule", {"at": "2020-01-01T09:00"}, "Choose a time in the future"),
        ("schedule", {"at": "next tuesday"}, "not a date"),
        ("schedule", {}, "Choose the date and time"),
        ("publish", {"revision": "7"}, "has no revision “7”"),
    ],
)
def test_what_would_be_refused_is_refused_on_the_confirmation_already(
    client, publisher, approved, action, data, says
):
    response = confirm(client, publisher, approved, action, **data)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:newsletter_issue_change", args=[approved.pk])
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error" and says in str(message)


def test_someone_who_may_not_publish_is_refused_before_any_confirmation(client, reviewer, approved):
    response = confirm(client, reviewer, approved, "publish")
    [message] = list(get_messages(response.wsgi_request))
    assert "You do not have permission to publish issues now." in str(message)


def test_the_panel_sends_publish_and_schedule_through_the_confirmation(client, publisher, approved):
    client.force_login(publisher)
    page = client.get(reverse("admin:newsletter_issue_change", args=[approved.pk])).text

    for action in ("publish", "schedule"):
        url = reverse("admin:newsletter_issue_confirm", args=[approved.pk, action])
        assert f'<form method="post" action="{url}"' in page


def test_a_schedule_with_nobody_confirmed_yet_still_emails_whoever_is_confirmed_at_go_live(
    client, publisher, approved
):
    # The send is made either way and counts its readers when it starts: saying that
    # no email will be sent would be wrong for whoever confirms before then.
    at = (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    local = sitetime.to_input_value(at)
    when = sitetime.describe(sitetime.parse_local(local))

    page = confirm(client, publisher, approved, "schedule", at=local, email_subscribers="1")

    assert "No email will be sent" not in page.text
    assert f"Nobody is confirmed yet: whoever is subscribed at {when} will get it" in page.text
    assert f"Schedule for {when.local} and email subscribers</button>" in page.text

    message = perform_posted(client, approved, "schedule", at=local, email_subscribers="1")
    assert "No email will be sent" not in message
    assert f"Nobody is confirmed yet: whoever is subscribed at {when} will get it" in message
    assert Send.objects.filter(issue=approved, state=Send.State.WAITING).count() == 1


def test_an_issue_waiting_to_be_emailed_is_not_said_to_have_been_emailed(
    client, publisher, editor, reviewer, approved, subscribers
):
    # Revision 1 is scheduled with the box ticked: nobody has it yet, and they get
    # revision 1 at its time, not the one published now.
    at = (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    perform(approved, "schedule", by=publisher, at=at, email_subscribers=True)
    perform(approved, "submit", by=editor)
    perform(approved, "approve", by=reviewer)
    approved.refresh_from_db()
    when = sitetime.describe(at)

    page = confirm(client, publisher, approved, "publish", revision="2", email_subscribers="1")

    assert "has been emailed to subscribers already" not in page.text
    assert (
        f"No email will be sent: revision 1, scheduled for {when}, is to be emailed to "
        "the subscribers then, and an issue goes out once." in page.text
    )
    message = perform_posted(client, approved, "publish", revision="2", email_subscribers="1")
    assert f"No email was sent: revision 1, scheduled for {when}, is to be emailed" in message
    assert Send.objects.get().revision.number == 1
