"""DKIM signatures on mail sent by direct SMTP (a provider signs its own).

With SENDING_DKIM_KEY_PATH set, the SMTP mailers are `DkimSigningSMTPBackend`: every
message (issues, corrections, test sends, subscription emails) is serialised once, signed
over those exact bytes with dkimpy, and sent with its DKIM-Signature. The key is read
and checked at start-up (`sending.checks`), not per message. Receivers look the public
key up at `<SENDING_DKIM_SELECTOR>._domainkey.<SENDING_DKIM_DOMAIN>`; see README, "DNS
records for the sending domain".
"""

import email.policy
import smtplib
from functools import lru_cache
from pathlib import Path

import dkim
from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from dkim.crypto import parse_pem_private_key

# From, To and Subject are what a reader trusts; Date and Message-ID make a replay
# visible; the List-Unsubscribe pair must not be swapped for someone else's address;
# the MIME headers say how the signed body is read. A header the message lacks is signed
# as absent, so nobody can add it afterwards.
SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"List-Id",
    b"MIME-Version",
    b"Content-Type",
    b"Content-Transfer-Encoding",
)


class DkimKeyError(ValueError):
    """The configured key cannot sign: the message says what to fix."""


@lru_cache(maxsize=4)
def load_key(path: str) -> bytes:
    """The PEM private key at `path`, checked to be one dkimpy can sign with."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise DkimKeyError(f"SENDING_DKIM_KEY_PATH {path!r} cannot be read: {error}") from error
    try:
        parse_pem_private_key(data)
    except Exception as error:  # noqa: BLE001 - dkimpy raises several kinds
        raise DkimKeyError(
            f"SENDING_DKIM_KEY_PATH {path!r} is not an RSA private key in PEM form "
            f"({error}); make one with: openssl genrsa -traditional -out dkim.pem 2048"
        ) from error
    return data


def signing_domain() -> str:
    return settings.SENDING_DKIM_DOMAIN or settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(
        " >"
    )


def sign(message: bytes) -> bytes:
    """`message` with a DKIM-Signature header in front (relaxed/relaxed, rsa-sha256)."""
    signature = dkim.sign(
        message,
        selector=settings.SENDING_DKIM_SELECTOR.encode(),
        domain=signing_domain().encode(),
        privkey=load_key(settings.SENDING_DKIM_KEY_PATH),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=list(SIGNED_HEADERS),
    )
    return signature + message


class DkimSigningSMTPBackend(EmailBackend):
    """Django's SMTP backend, signing each message over the bytes it sends."""

    def _send(self, email_message):
        if not email_message.recipients():
            return False
        from_email = self.prep_address(email_message.from_email)
        recipients = [self.prep_address(addr) for addr in email_message.recipients()]
        message = email_message.message(policy=email.policy.SMTP).as_bytes()
        try:
            self.connection.sendmail(from_email, recipients, sign(message))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
