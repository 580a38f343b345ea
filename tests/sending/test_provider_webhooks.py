"""Bounces and complaints from the mail provider, through anymail's tracking webhooks.

Messages go out through anymail's real Postmark backend to a local server answering as
Postmark's API does, or by SMTP to the local aiosmtpd server; the provider's webhook
payloads (in Postmark's and Mailgun's own formats) are posted over HTTP to the running
site (pytest-django's live server), so anymail's checks and our receiver run as deployed.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid

import pytest

from sending import sends
from sending.models import Delivery, Send
from subscribers.models import Subscriber, Suppression
from tests.helpers.local_server import LocalServer, Response
from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "provider:9f8e7d6c5b4a39281706f5e4d3c2b1a0"
MAILGUN_KEY = "key-0123456789abcdef0123456789abcdef"


def post(live_server, path, payload, *, auth=SECRET) -> int:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 - the live server on loopback
        live_server.url + path,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if auth is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class PostmarkApi(LocalServer):
    """Answers `POST /email` as Postmark's API does: a fresh MessageID per message."""

    def __init__(self):
        super().__init__({"/email": self._accept})
        self.ids = []

    def _accept(self, path):
        sent = json.loads(self.seen[-1].body)
        message_id = str(uuid.uuid4())
        self.ids.append(message_id)
        return Response(
            200,
            json.dumps(
                {
                    "To": sent["To"],
                    "SubmittedAt": "2026-12-02T06:30:00.0000000Z",
                    "MessageID": message_id,
                    "ErrorCode": 0,
                    "Message": "OK",
                }
            ),
            {"Content-Type": "application/json"},
        )

    def messages_to(self, address):
        return [
            json.loads(seen.body)
            for seen in self.seen
            if seen.method == "POST" and address in json.loads(seen.body)["To"]
        ]


@pytest.fixture
def postmark(settings):
    """The site sends through anymail's Postmark backend to the local API server."""
    with PostmarkApi() as api:
        settings.MAILERS = {"default": {"BACKEND": "anymail.backends.postmark.EmailBackend"}}
        settings.SENDING_PROVIDER = "postmark"
        settings.ANYMAIL = {
            "POSTMARK_SERVER_TOKEN": "server-token-for-tests",
            "POSTMARK_API_URL": api.url("/"),
            "WEBHOOK_SECRET": SECRET,
        }
        settings.DEFAULT_FROM_EMAIL = "news@example.com"
        settings.SITE_URL = "https://news.example.com"
        yield api


@pytest.fixture
def mailgun(settings, smtp_server):
    """The site sends by SMTP (Mailgun's relay stands in) and takes Mailgun's webhooks."""
    settings.SENDING_PROVIDER = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    return smtp_server


def postmark_bounce(email, message_id, *, kind="HardBounce", record="Bounce", event_id=4323372036):
    return {
        "RecordType": record,
        "MessageStream": "outbound",
        "ID": event_id,
        "Type": kind,
        "TypeCode": 1 if kind == "HardBounce" else 4096,
        "Name": "Hard bounce" if kind == "HardBounce" else "Soft bounce",
        "Tag": "",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist."
        if kind == "HardBounce"
        else "smtp;452 4.2.2 The email account that you tried to reach is over quota.",
        "Email": email,
        "From": "news@example.com",
        "BouncedAt": "2026-12-02T06:31:02.3963933Z",
        "DumpAvailable": True,
        "Inactive": kind == "HardBounce",
        "CanActivate": True,
        "Subject": "Machine Learning Monthly #1",
        "Content": "Return-Path: <>\r\n...",
    }


def postmark_complaint(email, message_id):
    return {
        "RecordType": "SpamComplaint",
        "MessageStream": "outbound",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Tag": "",
        "MessageID": message_id,
        "ServerID": 23,
        "Description": "The subscriber explicitly marked this message as spam.",
        "Details": "Test spam complaint details",
        "Email": email,
        "From": "news@example.com",
        "BouncedAt": "2026-12-02T06:40:00.0000000Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "Machine Learning Monthly #1",
    }


def mailgun_event(email, message_id, *, event="failed", severity="permanent", key=MAILGUN_KEY):
    token = uuid.uuid4().hex
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "id": "G9Bn5sl1TC6nu79C8C0bwg",
        "timestamp": time.time(),
        "log-level": "error" if event == "failed" else "warn",
        "event": event,
        "recipient": email,
        "recipient-domain": email.rpartition("@")[2],
        "tags": [],
        "user-variables": {},
        "envelope": {"sender": "bounces@news.example.com", "transport": "smtp"},
        "message": {
            "headers": {
                "to": email,
                "message-id": message_id.strip("<>"),
                "from": "news@example.com",
                "subject": "Machine Learning Monthly #1",
            },
            "attachments": [],
            "size": 18121,
        },
        "flags": {"is-routed": False, "is-authenticated": True, "is-test-mode": False},
    }
    if event == "failed":
        data["severity"] = severity
        data["reason"] = "bounce" if severity == "permanent" else "generic"
        data["delivery-status"] = {
            "attempt-no": 1,
            "code": 550 if severity == "permanent" else 452,
            "message": "5.1.1 The email account that you tried to reach does not exist"
            if severity == "permanent"
            else "4.2.2 The email account that you tried to reach is over quota",
            "description": "",
            "mx-host": "mx.example.org",
        }
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": data,
    }


def sent_issue(make_issue, people, *emails):
    for email in emails:
        subscriber(email)
    publish_and_email(make_issue(), people)
    return {row.email: row for row in Delivery.objects.all()}


def test_the_provider_message_id_is_recorded_on_each_ledger_row(
    make_issue, people, postmark, immediate_tasks
):
    rows = sent_issue(make_issue, people, "ada@example.com", "bob@example.com")
    assert {row.state for row in rows.values()} == {"sent"}
    assert sorted(row.provider_message_id for row in rows.values()) == sorted(postmark.ids)
    sent = postmark.messages_to("bob@example.com")[0]
    assert {"Name": "Message-ID", "Value": rows["bob@example.com"].message_id} in sent["Headers"]
    assert postmark.seen[-1].headers["X-Postmark-Server-Token"] == "server-token-for-tests"


def test_a_postmark_hard_bounce_bounces_the_row_suppresses_the_address_and_the_next_send_skips_it(
    make_issue, people, postmark, immediate_tasks, live_server
):
    rows = sent_issue(make_issue, people, "ada@example.com", "bob@example.com")
    bounce = postmark_bounce("bob@example.com", rows["bob@example.com"].provider_message_id)

    assert post(live_server, "/anymail/postmark/tracking/", bounce) == 200
    row = Delivery.objects.get(email="bob@example.com")
    assert row.state == "bounced"
    assert "550 5.1.1" in row.last_error
    entry = Suppression.objects.get(email="bob@example.com")
    assert entry.reason == "hard_bounce"
    assert Delivery.objects.get(email="ada@example.com").state == "sent"
    # The subscriber list says so: bob is no longer mailed, because his address bounced.
    assert Subscriber.objects.get(email="bob@example.com").status == "bounced"
    assert Subscriber.objects.get(email="ada@example.com").status == "confirmed"

    assert post(live_server, "/anymail/postmark/tracking/", bounce) == 200  # replayed
    assert Suppression.objects.count() == 1
    assert Delivery.objects.get(email="bob@example.com").state == "bounced"

    correction = sends.send_correction(Send.objects.get().revision, by=people["publisher"])
    assert list(correction.deliveries.values_list("email", flat=True)) == ["ada@example.com"]
    assert len(postmark.messages_to("bob@example.com")) == 1
    assert len(postmark.messages_to("ada@example.com")) == 2


def test_a_postmark_complaint_suppresses_the_address_as_a_complaint(
    make_issue, people, postmark, immediate_tasks, live_server
):
    rows = sent_issue(make_issue, people, "ada@example.com")
    complaint = postmark_complaint("ada@example.com", rows["ada@example.com"].provider_message_id)
    assert post(live_server, "/anymail/postmark/tracking/", complaint) == 200
    assert Suppression.objects.get(email="ada@example.com").reason == "complaint"
    # Whoever reports mail as spam is unsubscribed, as mail services do.
    ada = Subscriber.objects.get(email="ada@example.com")
    assert ada.status == "unsubscribed" and ada.unsubscribed_at is not None
    row = Delivery.objects.get()
    assert row.state == "sent"
    assert "complained" in row.last_error


def test_a_soft_bounce_changes_nothing_permanent(
    make_issue, people, postmark, immediate_tasks, live_server
):
    rows = sent_issue(make_issue, people, "ada@example.com")
    soft = postmark_bounce(
        "ada@example.com", rows["ada@example.com"].provider_message_id, kind="SoftBounce"
    )
    assert post(live_server, "/anymail/postmark/tracking/", soft) == 200
    assert Delivery.objects.get().state == "sent"
    assert not Suppression.objects.exists()


@pytest.mark.parametrize(
    "auth", [None, "provider:wrong-password", "someone:" + SECRET.split(":")[1]]
)
def test_a_webhook_without_the_secret_is_refused_and_changes_nothing(
    make_issue, people, postmark, immediate_tasks, live_server, auth
):
    rows = sent_issue(make_issue, people, "bob@example.com")
    bounce = postmark_bounce("bob@example.com", rows["bob@example.com"].provider_message_id)
    assert post(live_server, "/anymail/postmark/tracking/", bounce, auth=auth) == 400
    assert Delivery.objects.get().state == "sent"
    assert not Suppression.objects.exists()


def test_no_webhook_is_served_until_a_secret_is_set_nor_for_another_provider(
    make_issue, people, postmark, immediate_tasks, live_server, settings
):
    rows = sent_issue(make_issue, people, "bob@example.com")
    bounce = postmark_bounce("bob@example.com", rows["bob@example.com"].provider_message_id)
    assert post(live_server, "/anymail/mailgun/tracking/", bounce) == 404
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}
    assert post(live_server, "/anymail/postmark/tracking/", bounce, auth=None) == 404
    assert not Suppression.objects.exists()


def test_an_authenticated_payload_that_is_not_a_tracking_event_is_refused_with_400(
    make_issue, people, postmark, immediate_tasks, live_server
):
    assert post(live_server, "/anymail/postmark/tracking/", b"{not json") == 400
    inbound = {"FromFull": {"Email": "someone@example.org"}, "Subject": "hello"}
    assert post(live_server, "/anymail/postmark/tracking/", inbound) == 400
    assert not Suppression.objects.exists()


def test_an_event_for_an_unknown_message_is_logged_answered_200_and_still_suppresses(
    postmark, live_server, caplog
):
    bounce = postmark_bounce("stranger@example.org", "00000000-0000-0000-0000-000000000000")
    with caplog.at_level(logging.WARNING, logger="sending.provider_events"):
        assert post(live_server, "/anymail/postmark/tracking/", bounce) == 200
    assert "not in the ledger" in caplog.text
    assert "00000000-0000-0000-0000-000000000000" in caplog.text
    assert Suppression.objects.get(email="stranger@example.org").reason == "hard_bounce"


def test_an_event_naming_no_usable_address_is_logged_and_suppresses_nothing(
    postmark, live_server, caplog
):
    bounce = postmark_bounce("not an address", "11111111-0000-0000-0000-000000000000")
    with caplog.at_level(logging.WARNING, logger="sending.provider_events"):
        assert post(live_server, "/anymail/postmark/tracking/", bounce) == 200
    assert "no usable recipient" in caplog.text
    assert not Suppression.objects.exists()


def test_a_mailgun_permanent_failure_is_matched_by_our_message_id_and_signature_checked(
    make_issue, people, mailgun, immediate_tasks, live_server
):
    rows = sent_issue(make_issue, people, "ada@example.com", "bob@example.com")
    message_id = rows["bob@example.com"].message_id
    assert rows["bob@example.com"].provider_message_id == ""  # sent by SMTP

    forged = mailgun_event("bob@example.com", message_id, key="key-not-the-signing-key")
    assert post(live_server, "/anymail/mailgun/tracking/", forged) == 400
    assert not Suppression.objects.exists()

    assert (
        post(
            live_server, "/anymail/mailgun/tracking/", mailgun_event("bob@example.com", message_id)
        )
        == 200
    )
    assert Delivery.objects.get(email="bob@example.com").state == "bounced"
    assert Suppression.objects.get(email="bob@example.com").reason == "hard_bounce"


def test_a_mailgun_temporary_failure_is_a_deferral_and_changes_nothing(
    make_issue, people, mailgun, immediate_tasks, live_server
):
    rows = sent_issue(make_issue, people, "ada@example.com")
    event = mailgun_event(
        "ada@example.com", rows["ada@example.com"].message_id, severity="temporary"
    )
    assert post(live_server, "/anymail/mailgun/tracking/", event) == 200
    assert Delivery.objects.get().state == "sent"
    assert not Suppression.objects.exists()


def test_a_mailgun_complaint_suppresses_the_address(
    make_issue, people, mailgun, immediate_tasks, live_server
):
    rows = sent_issue(make_issue, people, "ada@example.com")
    event = mailgun_event("ada@example.com", rows["ada@example.com"].message_id, event="complained")
    assert post(live_server, "/anymail/mailgun/tracking/", event) == 200
    assert Suppression.objects.get(email="ada@example.com").reason == "complaint"


def test_a_provider_without_a_webhook_secret_is_warned_about_at_start_up(settings):
    from sending.checks import provider_webhooks_have_a_secret

    settings.SENDING_PROVIDER = "postmark"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token"}
    assert [w.id for w in provider_webhooks_have_a_secret()] == ["sending.W001"]
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": SECRET}
    assert provider_webhooks_have_a_secret() == []


def test_an_unsubscribe_the_provider_took_unsubscribes_the_person(
    make_issue, people, postmark, immediate_tasks, live_server
):
    rows = sent_issue(make_issue, people, "ada@example.com")
    change = {
        "RecordType": "SubscriptionChange",
        "MessageID": rows["ada@example.com"].provider_message_id,
        "ServerID": 23,
        "MessageStream": "outbound",
        "ChangedAt": "2026-12-02T06:45:00Z",
        "Recipient": "ada@example.com",
        "Origin": "Recipient",
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
        "Tag": "",
        "Metadata": {},
    }
    assert post(live_server, "/anymail/postmark/tracking/", change) == 200
    ada = Subscriber.objects.get(email="ada@example.com")
    assert ada.status == "unsubscribed"
    assert Suppression.objects.get(email="ada@example.com").reason == "unsubscribe"
    assert Delivery.objects.get().state == "sent"
