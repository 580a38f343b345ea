"""What subscribers get when an issue is published with "also email subscribers"."""

import pytest

from editorial import notifications
from editorial.workflow import TransitionNotAllowed, perform
from sending.models import Delivery, Send
from subscribers.models import Subscriber, Suppression
from tests.sending.conftest import approve, publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def test_publishing_without_email_subscribers_sends_nothing(
    make_issue, people, smtp_server, immediate_tasks
):
    subscriber("ada@example.com")
    issue = make_issue()
    approve(issue, people)
    with notifications.muted():
        perform(issue, "publish", by=people["publisher"])
    assert Send.objects.count() == 0
    assert smtp_server.count() == 0


def test_a_confirmed_subscriber_gets_one_message_with_both_unsubscribe_headers(
    make_issue, people, smtp_server, immediate_tasks
):
    ada = subscriber("ada@example.com", name="Ada")
    subscriber("pending@example.com", status=Subscriber.Status.PENDING)
    subscriber("gone@example.com", status=Subscriber.Status.UNSUBSCRIBED)
    publish_and_email(make_issue(), people)

    assert smtp_server.recipients() == ["ada@example.com"]
    message = smtp_server.to("ada@example.com")[0]
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://news.example.com/")
    assert ", <mailto:" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = Delivery.objects.get()
    assert (row.email, row.state, row.attempts) == ("ada@example.com", "sent", 1)
    assert message["Message-ID"] == row.message_id
    assert row.subscriber == ada
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    one_click = unsubscribe.split(">")[0][1:]
    assert one_click in text and "Unsubscribe" in html
    assert "<style" not in html.split("</head>")[1]  # CSS inlined in the body
    assert Send.objects.get().state == "done"


def test_a_correction_published_later_does_not_resend(
    make_issue, people, smtp_server, immediate_tasks
):
    subscriber("ada@example.com")
    issue = make_issue()
    publish_and_email(issue, people)
    assert smtp_server.count() == 1
    publish_and_email(issue, people)  # a correction, asked to email again
    assert smtp_server.count() == 1
    assert Send.objects.count() == 1


def test_a_permanent_refusal_is_recorded_and_suppresses_the_address(
    make_issue, people, smtp_server, immediate_tasks
):
    subscriber("ada@example.com")
    subscriber("nobody@example.com")
    smtp_server.refuse.add("nobody@example.com")
    publish_and_email(make_issue(), people)
    row = Delivery.objects.get(email="nobody@example.com")
    assert row.state == "bounced"
    assert row.last_error.startswith("550")
    assert Suppression.objects.get(email="nobody@example.com").reason == "hard_bounce"
    assert Subscriber.objects.get(email="nobody@example.com").status == "bounced"
    assert Subscriber.objects.get(email="ada@example.com").status == "confirmed"
    assert smtp_server.recipients() == ["ada@example.com"]


def test_a_header_injection_in_a_name_or_a_title_adds_no_header(
    make_issue, people, smtp_server, immediate_tasks
):
    subscriber("eve@example.com", name="Eve\r\nBcc: victim@example.com")
    issue = make_issue(title="Big news\r\nBcc: victim@example.com")
    publish_and_email(issue, people)
    assert smtp_server.recipients() == ["eve@example.com"]
    message = smtp_server.to("eve@example.com")[0]
    assert message["Bcc"] is None
    assert len(message.get_all("To")) == 1
    assert "\n" not in message["Subject"] and "\n" not in message["To"]


def test_email_subscribers_is_refused_for_other_actions(make_issue, people):
    issue = make_issue()
    with pytest.raises(TransitionNotAllowed):
        perform(issue, "submit", by=people["editor"], email_subscribers=True)


def test_the_publish_form_offers_to_email_subscribers(
    make_issue, people, smtp_server, immediate_tasks, client
):
    subscriber("ada@example.com")
    issue = make_issue()
    approve(issue, people)
    panel = client
    panel.force_login(people["publisher"])
    page = panel.get(f"/admin/newsletter/issue/{issue.pk}/change/")
    assert b'name="email_subscribers"' in page.content


def test_pause_resume_and_retry_only_failed_rows(make_issue, people, smtp_server, immediate_tasks):
    from sending import sends

    subscriber("ada@example.com")
    subscriber("bob@example.com")
    publish_and_email(make_issue(), people)
    send = Send.objects.get()
    Delivery.objects.filter(email="bob@example.com").update(state="failed", last_error="421")
    Send.objects.filter(pk=send.pk).update(state="done")
    assert sends.retry_failed(send) == 1
    assert smtp_server.recipients().count("bob@example.com") == 2
    assert smtp_server.recipients().count("ada@example.com") == 1  # sent rows are left alone
    assert Delivery.objects.get(email="bob@example.com").state == "sent"
    assert not sends.pause(Send.objects.get())  # done: nothing to pause
