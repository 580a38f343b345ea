"""Unsubscribing by mail to the List-Unsubscribe mailto address: a real Maildir written
with the standard library's mailbox module and read by `manage.py
read_unsubscribe_mailbox`, and a provider's inbound webhook posted to the live server."""

import base64
import json
import logging
import mailbox
import urllib.error
import urllib.request
from email.message import EmailMessage
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from subscribers import links
from subscribers.models import Subscriber, Suppression
from tests.helpers import dovecot

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "provider:3c2b1a09f8e7d6c5b4a39281706f5e4d"


def confirmed(email):
    return Subscriber.objects.create(
        email=email, status=Subscriber.Status.CONFIRMED, confirmed_at=timezone.now()
    )


def mailto_subject(subscriber) -> str:
    """The subject a mail client writes from the subscriber's List-Unsubscribe mailto."""
    return unquote(links.unsubscribe_mailto(subscriber).split("?subject=", 1)[1])


def mail(subject, *, sender="someone@example.org", body="", extra_headers=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "unsubscribe@example.com"
    if subject is not None:
        message["Subject"] = subject
    for name, value in (extra_headers or {}).items():
        message[name] = value
    message.set_content(body or "Please take me off the list.")
    return message


@pytest.fixture
def maildir(tmp_path, settings):
    path = tmp_path / "unsubscribe"
    box = mailbox.Maildir(path, create=True)
    settings.SUBSCRIBERS_UNSUBSCRIBE_MAILBOX = f"maildir:{path}"
    settings.SUBSCRIBERS_UNSUBSCRIBE_MAIL_MAX_BYTES = 64 * 1024
    return box


def read_mailbox() -> str:
    from io import StringIO

    out = StringIO()
    call_command("read_unsubscribe_mailbox", stdout=out)
    return out.getvalue()


def seen_flags(box):
    box = mailbox.Maildir(box._path, create=False)
    return sorted((message.get_subdir(), message.get_flags()) for message in box)


def test_a_mail_with_the_token_unsubscribes_and_each_message_is_read_once(maildir):
    ada = confirmed("ada@example.com")
    bob = confirmed("bob@example.com")
    maildir.add(mail(mailto_subject(ada), sender="ada@example.com"))
    maildir.add(mail("Re: " + mailto_subject(bob), sender="bob@example.com"))

    assert read_mailbox() == "Read 2 message(s): 2 unsubscribed.\n"
    for person in (ada, bob):
        person.refresh_from_db()
        assert person.status == "unsubscribed"
        assert Suppression.objects.get(email=person.email).reason == "unsubscribe"
    assert seen_flags(maildir) == [("cur", "S"), ("cur", "S")]

    assert read_mailbox() == "Read 0 message(s): nothing new.\n"
    maildir.add(mail(mailto_subject(ada)))  # a second request for the same person
    assert read_mailbox() == "Read 1 message(s): 1 already_unsubscribed.\n"
    assert Suppression.objects.count() == 2


def test_hostile_mail_is_logged_skipped_marked_seen_and_changes_nobody(maildir, caplog):
    ada = confirmed("ada@example.com")
    bob = confirmed("bob@example.com")
    token = links.unsubscribe_token(ada)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    maildir.add(mail(f"unsubscribe {tampered}"))
    maildir.add(mail(f"unsubscribe {links.confirmation_token(bob)}"))  # another purpose
    maildir.add(mail("unsubscribe"))
    maildir.add(mail(None))
    maildir.add(mail("hello, is this the right address?"))
    maildir.add(mail(mailto_subject(bob), body="x" * 100_000))  # over the size limit
    maildir.add(mail("unsubscribe " + "9" * 5000))
    maildir.add(b"\x00\xff\xfe not a mail at all \r\n\r\n\x80")
    maildir.add(
        b"Subject: =?utf-8?q?unsubscribe_=E2=80=AE?=\r\nContent-Type: multipart/mixed; "
        b'boundary="\r\n\r\n--x\r\nContent-Type: text/plain\r\n'
    )
    with caplog.at_level(logging.INFO, logger="subscribers"):
        output = read_mailbox()
    assert output.startswith("Read 9 message(s): ")
    assert "unsubscribed" not in output
    assert "1 too_large" in output and "bad_token" in output and "no_token" in output
    assert "invalid token" in caplog.text and "skipped" in caplog.text
    assert set(Subscriber.objects.values_list("status", flat=True)) == {"confirmed"}
    assert not Suppression.objects.exists()
    assert {subdir for subdir, _flags in seen_flags(maildir)} == {"cur"}
    assert read_mailbox() == "Read 0 message(s): nothing new.\n"


def test_messages_already_seen_are_left_alone(maildir):
    ada = confirmed("ada@example.com")
    message = mailbox.MaildirMessage(mail(mailto_subject(ada)))
    message.set_subdir("cur")
    message.add_flag("S")
    maildir.add(message)
    assert read_mailbox() == "Read 0 message(s): nothing new.\n"
    ada.refresh_from_db()
    assert ada.status == "confirmed"


def test_a_missing_or_unknown_mailbox_is_a_clear_command_error(settings, tmp_path):
    settings.SUBSCRIBERS_UNSUBSCRIBE_MAILBOX = ""
    with pytest.raises(CommandError, match="SUBSCRIBERS_UNSUBSCRIBE_MAILBOX"):
        call_command("read_unsubscribe_mailbox")
    with pytest.raises(CommandError, match="not a Maildir"):
        call_command("read_unsubscribe_mailbox", mailbox=f"maildir:{tmp_path / 'none'}")
    with pytest.raises(CommandError, match="Not a mailbox address"):
        call_command("read_unsubscribe_mailbox", mailbox="pop3://mail.example.com")


def test_the_scheduled_task_reads_the_mailbox_and_queues_its_next_run(maildir, settings):
    from django_tasks_db.models import DBTaskResult

    from subscribers.tasks import read_unsubscribe_mailbox

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ada = confirmed("ada@example.com")
    maildir.add(mail(mailto_subject(ada)))
    assert read_unsubscribe_mailbox.call() == {"unsubscribed": 1}
    queued = DBTaskResult.objects.get(task_path="subscribers.tasks.read_unsubscribe_mailbox")
    assert queued.status == "READY"
    delay = (queued.run_after - timezone.now()).total_seconds()
    assert 290 < delay <= 300


def post_inbound(live_server, payload, *, auth=SECRET) -> int:
    request = urllib.request.Request(  # noqa: S310 - the live server on loopback
        live_server.url + "/anymail/postmark/inbound/",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def postmark_inbound(subject, *, sender="ada@example.com"):
    """An inbound message as Postmark's inbound webhook posts it."""
    return {
        "FromName": "Ada",
        "MessageStream": "inbound",
        "From": sender,
        "FromFull": {"Email": sender, "Name": "Ada", "MailboxHash": ""},
        "To": "unsubscribe@example.com",
        "ToFull": [{"Email": "unsubscribe@example.com", "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": "unsubscribe@example.com",
        "Subject": subject,
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Wed, 2 Dec 2026 06:50:00 +0000",
        "TextBody": "",
        "HtmlBody": "",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            {"Name": "X-Spam-Checker-Version", "Value": "SpamAssassin 3.3.1"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "Message-ID", "Value": "<CAE3aQbf+unsub@mail.example.com>"},
        ],
        "Attachments": [],
    }


@pytest.fixture
def postmark_inbound_hook(settings):
    settings.SENDING_PROVIDER = "postmark"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": SECRET}


def test_the_providers_inbound_webhook_unsubscribes_the_token_holder(
    postmark_inbound_hook, live_server
):
    ada = confirmed("ada@example.com")
    bob = confirmed("bob@example.com")
    assert post_inbound(live_server, postmark_inbound(mailto_subject(ada))) == 200
    ada.refresh_from_db()
    assert ada.status == "unsubscribed"
    assert Suppression.objects.get(email="ada@example.com").reason == "unsubscribe"

    assert post_inbound(live_server, postmark_inbound(mailto_subject(ada))) == 200  # replayed
    assert Suppression.objects.count() == 1

    assert post_inbound(live_server, postmark_inbound("unsubscribe 1:forged")) == 200
    assert post_inbound(live_server, postmark_inbound(mailto_subject(bob)), auth=None) == 400
    bob.refresh_from_db()
    assert bob.status == "confirmed"


needs_dovecot = pytest.mark.skipif(
    not dovecot.available(), reason="needs Debian's dovecot-imapd (.ci/run installs it)"
)


@pytest.fixture
def imap_server(settings):
    settings.SUBSCRIBERS_UNSUBSCRIBE_MAIL_MAX_BYTES = 64 * 1024
    server = dovecot.Dovecot()
    try:
        yield server
    finally:
        server.stop()


def read_imap(url) -> str:
    from io import StringIO

    out = StringIO()
    call_command("read_unsubscribe_mailbox", mailbox=url, stdout=out)
    return out.getvalue()


@needs_dovecot
def test_an_imap_folder_is_read_once_over_tls_and_hostile_mail_is_skipped(imap_server, monkeypatch):
    ada = confirmed("ada@example.com")
    bob = confirmed("bob@example.com")
    imap_server.append(mail(mailto_subject(ada)).as_bytes())
    imap_server.append(mail("Re: unsubscribe 1:forged-signature").as_bytes())
    imap_server.append(mail(mailto_subject(bob), body="x" * 100_000).as_bytes())
    imap_server.append(b"\x00\xff not a mail\r\n\r\n\x80\x81")
    imap_server.append(mail(mailto_subject(bob)).as_bytes(), flags="(\\Seen)")  # read already
    monkeypatch.setenv("SSL_CERT_FILE", str(imap_server.cert))  # trust the test's own CA

    output = read_imap(imap_server.url(secure=True))
    assert output == "Read 4 message(s): 1 bad_token, 1 no_token, 1 too_large, 1 unsubscribed.\n"
    ada.refresh_from_db()
    bob.refresh_from_db()
    assert (ada.status, bob.status) == ("unsubscribed", "confirmed")
    assert list(Suppression.objects.values_list("email", "reason")) == [
        ("ada@example.com", "unsubscribe")
    ]
    assert all("\\Seen" in flags for flags in imap_server.flags())
    assert read_imap(imap_server.url(secure=True)) == "Read 0 message(s): nothing new.\n"


@needs_dovecot
def test_an_imaps_server_whose_certificate_is_not_trusted_is_refused(imap_server):
    ada = confirmed("ada@example.com")
    imap_server.append(mail(mailto_subject(ada)).as_bytes())
    with pytest.raises(CommandError, match="Cannot reach the IMAP server .*CERTIFICATE_VERIFY"):
        read_imap(imap_server.url(secure=True))
    ada.refresh_from_db()
    assert ada.status == "confirmed"
    assert all("\\Seen" not in flags for flags in imap_server.flags())


@needs_dovecot
def test_plain_imap_works_and_a_wrong_password_or_folder_is_a_clear_error(imap_server):
    ada = confirmed("ada@example.com")
    imap_server.append(mail(mailto_subject(ada)).as_bytes())
    wrong = imap_server.url().replace(imap_server.password, "not-the-password")
    with pytest.raises(CommandError, match="IMAP 127.0.0.1"):
        read_imap(wrong)
    with pytest.raises(CommandError, match="cannot be opened"):
        read_imap(imap_server.url(folder="Nowhere"))
    assert read_imap(imap_server.url()) == "Read 1 message(s): 1 unsubscribed.\n"
