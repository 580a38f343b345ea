"""DKIM signatures on mail sent by direct SMTP, verified by dkimpy's own verification
code on the bytes the real SMTP server received (DNS answered locally with the test
key's public record)."""

import base64
import shutil
import subprocess

import dkim
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from sending import sends
from sending.checks import dkim_key_is_usable
from sending.dkim_signing import load_key
from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)

SELECTOR = "news2026"
DOMAIN = "example.com"


def openssl(*args: str) -> bytes:
    command = [shutil.which("openssl") or "/usr/bin/openssl", *args]
    return subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603


@pytest.fixture(scope="module")
def dkim_key(tmp_path_factory):
    """A fresh 2048-bit RSA key (PKCS#1 PEM, as dkimpy reads it) and its DNS TXT record."""
    path = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    openssl("genrsa", "-traditional", "-out", str(path), "2048")
    public = openssl("rsa", "-in", str(path), "-pubout", "-outform", "DER")
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return path, record


def dns_for(record):
    """dkimpy's DNS lookup, answered for our selector only."""

    def lookup(name, timeout=5):
        return record if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None

    return lookup


@pytest.fixture
def signing(settings, smtp_server, dkim_key):
    path, _record = dkim_key
    settings.MAILERS = {
        "default": {
            "BACKEND": "sending.dkim_signing.DkimSigningSMTPBackend",
            "OPTIONS": settings.MAILERS["default"]["OPTIONS"],
        }
    }
    settings.SENDING_DKIM_KEY_PATH = str(path)
    settings.SENDING_DKIM_SELECTOR = SELECTOR
    settings.SENDING_DKIM_DOMAIN = DOMAIN
    return smtp_server


def test_every_newsletter_message_carries_a_signature_that_verifies(
    make_issue, people, signing, dkim_key, immediate_tasks
):
    subscriber("ada@example.com")
    subscriber("bob@example.com")
    publish_and_email(make_issue(), people)
    assert len(signing.raw) == 2
    for raw in signing.raw:
        assert raw.startswith(b"DKIM-Signature:")
        assert dkim.verify(raw, dnsfunc=dns_for(dkim_key[1]))
    header = signing.received[0][1]["DKIM-Signature"]
    assert f"d={DOMAIN}" in header and f"s={SELECTOR}" in header
    signed = {name.strip().lower() for name in header.split("h=")[1].split(";")[0].split(":")}
    assert {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "mime-version",
        "content-type",
    } <= signed


def test_a_test_send_is_signed_too(make_issue, people, signing, dkim_key, immediate_tasks):
    issue = make_issue()
    publish_and_email(issue, people)  # no subscribers: nothing sent yet
    people["publisher"].email = "publisher@example.com"
    people["publisher"].save()
    sends.send_test(issue.revisions.order_by("-number").first(), to_user=people["publisher"])
    assert len(signing.raw) == 1
    assert dkim.verify(signing.raw[0], dnsfunc=dns_for(dkim_key[1]))


def test_a_changed_body_or_unsubscribe_header_no_longer_verifies(
    make_issue, people, signing, dkim_key, immediate_tasks
):
    subscriber("ada@example.com")
    publish_and_email(make_issue(), people)
    raw = signing.raw[0]
    assert dkim.verify(raw, dnsfunc=dns_for(dkim_key[1]))
    head, _, body = raw.partition(b"\r\n\r\n")
    tampered_body = head + b"\r\n\r\n" + body.replace(b"Unsubscribe", b"Unsubscr1be", 1)
    assert tampered_body != raw
    assert not dkim.verify(tampered_body, dnsfunc=dns_for(dkim_key[1]))
    evil_head = head.replace(
        b"//news.example.com/unsubscribe/", b"//evil.example.net/unsubscribe/", 1
    )
    assert b"List-Unsubscribe" in head and evil_head != head
    tampered_header = evil_head + b"\r\n\r\n" + body
    assert tampered_header != raw
    assert not dkim.verify(tampered_header, dnsfunc=dns_for(dkim_key[1]))


def test_without_a_key_nothing_is_signed(make_issue, people, smtp_server, immediate_tasks):
    subscriber("ada@example.com")
    publish_and_email(make_issue(), people)
    assert b"DKIM-Signature" not in smtp_server.raw[0]


@pytest.mark.parametrize(
    "content, says",
    [
        (None, "cannot be read"),
        (b"", "not an RSA private key"),
        (
            b"-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n",
            "not an RSA private key",
        ),
    ],
)
def test_a_missing_or_unreadable_key_is_an_error_at_start_up(settings, tmp_path, content, says):
    path = tmp_path / "dkim.pem"
    if content is not None:
        path.write_bytes(content)
    settings.SENDING_DKIM_KEY_PATH = str(path)
    settings.SENDING_DKIM_SELECTOR = SELECTOR
    settings.MAILERS = {"default": {"BACKEND": "sending.dkim_signing.DkimSigningSMTPBackend"}}
    load_key.cache_clear()
    problems = dkim_key_is_usable()
    assert [p.id for p in problems] == ["sending.E001"]
    assert says in problems[0].msg
    with pytest.raises(SystemCheckError, match="sending.E001"):
        call_command("check")


def test_a_key_without_a_selector_or_without_smtp_is_reported(settings, dkim_key):
    settings.SENDING_DKIM_KEY_PATH = str(dkim_key[0])
    settings.SENDING_DKIM_SELECTOR = ""
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.postmark.EmailBackend"}}
    assert [p.id for p in dkim_key_is_usable()] == ["sending.E002", "sending.W002"]
