"""The message a recipient gets: the email edition (HTML with inlined CSS and plain text),
their own unsubscribe links, and the headers bulk mail needs.

The edition is rendered once per send with placeholders for the per-recipient links,
then each message fills them in. No tracking pixel, no link rewriting. Every header value
is made one line: a newline in a subscriber's name or an issue title cannot add a header.
"""

import html
from email.headerregistry import Address

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from newsletter.email_edition.edition import email_html
from newsletter.email_edition.plain_text import email_text
from newsletter.models import Revision
from sending.mime import BulkMessage
from subscribers import links

_UNSUBSCRIBE = "https://unsubscribe.invalid/__RECIPIENT__"
_PREFERENCES = "https://preferences.invalid/__RECIPIENT__"


class BadRecipient(ValueError):
    """An address no message can be written to: recorded as a permanent failure."""


def one_line(text: str) -> str:
    """`text` with every run of whitespace (CR and LF included) made one space."""
    return " ".join(str(text or "").split())


def sender_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"


def message_id_for(send_id: int, recipient_key: str) -> str:
    """The Message-ID of one (send, recipient): the same however often it is retried."""
    return f"<send-{send_id}.{recipient_key}@{sender_domain()}>"


def subject_for(revision: Revision, *, correction: bool = False, test: bool = False) -> str:
    subject = f"{settings.SITE_NAME} #{revision.issue_number}: {revision.content.issue.title}"
    if correction:
        subject = f"Correction: {subject}"
    if test:
        subject = f"[Test] {subject}"
    return one_line(subject)


def to_header(email: str, name: str) -> str:
    email = one_line(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise BadRecipient(f"Not a valid email address: {email!r}") from error
    local, _, domain = email.rpartition("@")
    return str(Address(display_name=one_line(name), username=local, domain=domain))


class Edition:
    """One revision rendered for mail, once, with slots for each recipient's links."""

    def __init__(self, revision: Revision, *, subject: str):
        self.revision = revision
        self.subject = subject
        slots = {"unsubscribe_url": _UNSUBSCRIBE, "preferences_url": _PREFERENCES}
        base = settings.SITE_URL
        self.html = email_html(revision, base=base, links=slots)
        self.text = email_text(revision, base=base, links=slots)
        self.plain_html = email_html(revision, base=base)
        self.plain_text = email_text(revision, base=base)

    def message(self, *, email: str, name: str, message_id: str, subscriber=None):
        """The message for one recipient; a subscriber's copy carries their unsubscribe links
        and the List-Unsubscribe headers (RFC 2369, RFC 8058)."""
        headers = {"Message-ID": message_id}
        body, alternative = self.plain_text, self.plain_html
        if subscriber is not None:
            one_click = links.one_click_unsubscribe_url(subscriber)
            preferences = links.preferences_url(subscriber)
            headers["List-Unsubscribe"] = f"<{one_click}>, <{links.unsubscribe_mailto(subscriber)}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            headers["List-Id"] = f"{one_line(settings.SITE_NAME)} <newsletter.{sender_domain()}>"
            body = self.text.replace(_UNSUBSCRIBE, one_click).replace(_PREFERENCES, preferences)
            alternative = self.html.replace(_UNSUBSCRIBE, html.escape(one_click)).replace(
                _PREFERENCES, html.escape(preferences)
            )
        message = BulkMessage(
            subject=self.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to_header(email, name)],
            headers=headers,
        )
        message.attach_alternative(alternative, "text/html")
        return message
