"""Unsubscribing by mail: the `mailto:` address of List-Unsubscribe.

A mail client's "unsubscribe" (or a person) writes to SUBSCRIBERS_UNSUBSCRIBE_MAILTO with
the subject `unsubscribe <token>` that `links.unsubscribe_mailto` put in the header. Mail
reaches `handle_message` two ways: the provider's inbound webhook (anymail's `inbound`
signal, `on_inbound`) or `manage.py read_unsubscribe_mailbox` reading a mailbox
(`subscribers.mailbox`). The signed token is the proof, as for the one-click link: who
sent the mail does not matter (a forwarded copy unsubscribes its recipient, as the link
would). Anything else (no token, a wrong or tampered one, a message too large, headers
that do not parse) is logged and left alone; nothing here raises for what a sender wrote.
"""

import logging
from email import policy
from email.parser import BytesParser
from enum import StrEnum

from django.conf import settings

from subscribers import links, subscriptions

logger = logging.getLogger(__name__)


class Result(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    ALREADY_UNSUBSCRIBED = "already_unsubscribed"
    NO_TOKEN = "no_token"  # noqa: S105 - not a password
    BAD_TOKEN = "bad_token"  # noqa: S105
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"


def _subject(message) -> str:
    value = message.get("Subject", "")
    return " ".join(str(value or "").split())


def handle_message(message, *, source: str) -> Result:
    """Unsubscribe whoever the token in `message`'s subject names."""
    try:
        subject = _subject(message)
    except Exception:  # noqa: BLE001 - a header Python cannot even decode
        logger.warning("Unsubscribe mail from %s: its Subject cannot be read", source)
        return Result.MALFORMED
    token = links.token_from_mail_subject(subject)
    if token is None:
        logger.info("Unsubscribe mail from %s without a token: %r", source, subject[:200])
        return Result.NO_TOKEN
    subscriber = links.subscriber_for_token(token)
    if subscriber is None:
        logger.warning("Unsubscribe mail from %s with an invalid token: %r", source, token[:200])
        return Result.BAD_TOKEN
    outcome = subscriptions.unsubscribe(
        subscriber, detail=f"Unsubscribed by mail to the List-Unsubscribe address ({source})."
    )
    logger.info("Unsubscribe mail from %s: subscriber %s %s", source, subscriber.pk, outcome)
    if outcome == subscriptions.Outcome.UNSUBSCRIBED:
        return Result.UNSUBSCRIBED
    return Result.ALREADY_UNSUBSCRIBED


def handle_bytes(data: bytes, *, source: str) -> Result:
    """`handle_message` for a raw message; only its headers are parsed."""
    if len(data) > settings.SUBSCRIBERS_UNSUBSCRIBE_MAIL_MAX_BYTES:
        logger.warning("Unsubscribe mail from %s skipped: %s bytes", source, len(data))
        return Result.TOO_LARGE
    try:
        message = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
    except Exception:  # noqa: BLE001 - whatever the parser makes of hostile bytes
        logger.warning("Unsubscribe mail from %s does not parse", source, exc_info=True)
        return Result.MALFORMED
    return handle_message(message, source=source)


def on_inbound(sender, *, event, esp_name, **kwargs) -> None:
    """`anymail.signals.inbound`: a mail the provider received for us."""
    if event.message is None:
        logger.warning("%s inbound event without a message", esp_name)
        return
    handle_message(event.message, source=f"{esp_name} inbound")
