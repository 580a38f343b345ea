"""Signed, per-recipient links: confirm, preferences, one-click unsubscribe, mailto.

A token names one subscriber and is signed (Django's signing, HMAC-SHA256 with the
SECRET_KEY) with a salt that holds the purpose and that subscriber's own `link_secret`:
a changed byte, another person's id or another purpose fails the check, nobody can make
one without the SECRET_KEY, and a new `link_secret` (or erasure) voids every link the
person was ever sent. Unsubscribe and preferences tokens do not expire: they sit in
old emails and must keep working (RFC 8058). Confirmation tokens expire after
SUBSCRIBERS_CONFIRM_MAX_AGE seconds.

A token reads `<id in base 62>:<signature>` (the id is not a secret; the signature is).
"""

from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.signing import b62_decode, b62_encode
from django.urls import reverse

from subscribers.models import Subscriber

MANAGE = "manage"
CONFIRM = "confirm"
MAX_TOKEN_LENGTH = 200


class LinkExpired(Exception):
    """A genuine confirmation link, older than SUBSCRIBERS_CONFIRM_MAX_AGE."""


def _signer(purpose: str, subscriber: Subscriber, *, timed: bool):
    salt = f"subscribers.links.{purpose}.{subscriber.link_secret}"
    return signing.TimestampSigner(salt=salt) if timed else signing.Signer(salt=salt)


def _subscriber_named_by(token: str) -> Subscriber | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    encoded = token.split(":", 1)[0]
    if not encoded or len(encoded) > 11:
        return None
    try:
        pk = b62_decode(encoded)
    except ValueError:
        return None
    if pk <= 0 or pk >= 2**63:
        return None
    return Subscriber.objects.filter(pk=pk).first()


def unsubscribe_token(subscriber: Subscriber) -> str:
    """The token of `subscriber`'s preferences and unsubscribe links."""
    return _signer(MANAGE, subscriber, timed=False).sign(b62_encode(subscriber.pk))


def subscriber_for_token(token: str) -> Subscriber | None:
    """Whom an unsubscribe/preferences token names; None for anything tampered or unknown."""
    subscriber = _subscriber_named_by(token)
    if subscriber is None:
        return None
    try:
        _signer(MANAGE, subscriber, timed=False).unsign(token)
    except signing.BadSignature:
        return None
    return subscriber


def confirmation_token(subscriber: Subscriber) -> str:
    return _signer(CONFIRM, subscriber, timed=True).sign(b62_encode(subscriber.pk))


def subscriber_for_confirmation_token(token: str) -> Subscriber | None:
    """Whom a confirmation token names; None when tampered or unknown.

    Raises LinkExpired for a genuine token older than SUBSCRIBERS_CONFIRM_MAX_AGE.
    """
    subscriber = _subscriber_named_by(token)
    if subscriber is None:
        return None
    try:
        _signer(CONFIRM, subscriber, timed=True).unsign(
            token, max_age=settings.SUBSCRIBERS_CONFIRM_MAX_AGE
        )
    except signing.SignatureExpired as expired:
        raise LinkExpired from expired
    except signing.BadSignature:
        return None
    return subscriber


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def one_click_unsubscribe_url(subscriber: Subscriber) -> str:
    """The https URI of List-Unsubscribe: a POST of `List-Unsubscribe=One-Click` to it
    unsubscribes at once (RFC 8058); a GET shows the preferences page."""
    return _absolute(reverse("subscribers:unsubscribe", args=[unsubscribe_token(subscriber)]))


def preferences_url(subscriber: Subscriber) -> str:
    """The page where the person unsubscribes or resubscribes (a GET changes nothing)."""
    return _absolute(reverse("subscribers:preferences", args=[unsubscribe_token(subscriber)]))


def confirmation_url(subscriber: Subscriber) -> str:
    return _absolute(reverse("subscribers:confirm", args=[confirmation_token(subscriber)]))


def subscribe_url() -> str:
    return _absolute(reverse("subscribers:subscribe"))


def unsubscribe_mailto(subscriber: Subscriber) -> str:
    """The mailto: URI of List-Unsubscribe: SUBSCRIBERS_UNSUBSCRIBE_MAILTO, with the token
    in the subject (`unsubscribe <token>`), which `token_from_mail_subject` reads back."""
    subject = quote(f"unsubscribe {unsubscribe_token(subscriber)}", safe="")
    return f"mailto:{settings.SUBSCRIBERS_UNSUBSCRIBE_MAILTO}?subject={subject}"


def token_from_mail_subject(subject: str) -> str | None:
    """The token in the subject of a mail sent through `unsubscribe_mailto` (replies keep
    it after "Re:" and the like)."""
    words = (subject or "").split()
    for before, word in zip(words, words[1:], strict=False):
        if before.lower() == "unsubscribe":
            return word
    return None
