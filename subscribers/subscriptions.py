"""The writes of a subscription's life: ask, confirm, unsubscribe, resubscribe.

Each runs in one transaction with the subscriber row locked; mail goes out after
commit (`subscribers.mail.send_after_commit`), so a rolled-back request mails nobody.

Asking never tells the asker whether an address is already on the list: whatever the
address's history, the form answers the same, and only the mailbox's owner learns
more, by email (a confirmation link, or "you are already subscribed" with the
preferences link). Addresses suppressed for a bounce, a complaint or by staff get no
mail at all.
"""

from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from subscribers import consent
from subscribers.addresses import address_hash, normalise_email
from subscribers.mail import ALREADY_SUBSCRIBED, CONFIRMATION, send_after_commit
from subscribers.models import Consent, Subscriber, Suppression
from subscribers.suppression import lift_unsubscribe, suppress, suppression_for


class Outcome(StrEnum):
    CONFIRMATION_SENT = "confirmation_sent"
    ALREADY_SUBSCRIBED = "already_subscribed"  # told so by email
    SUPPRESSED = "suppressed"  # no mail: bounced, complained or blocked by staff
    CONFIRMED = "confirmed"
    NOTHING_TO_CONFIRM = "nothing_to_confirm"
    UNSUBSCRIBED = "unsubscribed"
    ALREADY_UNSUBSCRIBED = "already_unsubscribed"


def is_blocked(email: str) -> bool:
    """Suppressed for a reason only staff can lift (everything but an unsubscribe)."""
    entry = suppression_for(email)
    return entry is not None and entry.reason != Suppression.Reason.UNSUBSCRIBE


def _open_consent(subscriber: Subscriber, *, source: str, ip: str) -> Consent:
    """The unconfirmed consent this request adds (a repeated request refreshes it)."""
    now = timezone.now()
    fields = {
        "source": source,
        "text_version": consent.CURRENT,
        "text": consent.TEXTS[consent.CURRENT],
        "ip_hash": address_hash(ip) if ip else "",
        "given_at": now,
    }
    pending = subscriber.consents.filter(confirmed_at__isnull=True).order_by("-pk").first()
    if pending is None:
        return Consent.objects.create(subscriber=subscriber, **fields)
    for name, value in fields.items():
        setattr(pending, name, value)
    pending.save()
    return pending


def request_subscription(
    email: str, *, name: str = "", ip: str = "", source: str = consent.FORM_SOURCE
) -> Outcome:
    """Someone asked for `email` to get the newsletter: mail its owner what comes next."""
    email = normalise_email(email)
    if is_blocked(email):
        return Outcome.SUPPRESSED
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            email=email, defaults={"name": name}
        )
        if not created and subscriber.status == Subscriber.Status.PENDING and name:
            subscriber.name = name  # nobody has confirmed this one yet
            subscriber.save(update_fields=["name"])
        if subscriber.is_confirmed and suppression_for(email) is None:
            send_after_commit(subscriber, ALREADY_SUBSCRIBED)
            return Outcome.ALREADY_SUBSCRIBED
        _open_consent(subscriber, source=source, ip=ip)
        send_after_commit(subscriber, CONFIRMATION)
        return Outcome.CONFIRMATION_SENT


def bounced(email: str, *, detail: str = "") -> None:
    """Mail to `email` bounced for good: the address is suppressed (hard bounce) and its
    subscriber, pending or confirmed, is marked bounced, so the list says why they get
    nothing. Someone unsubscribed stays unsubscribed; replaying changes nothing more."""
    with transaction.atomic():
        suppress(email, Suppression.Reason.HARD_BOUNCE, detail=detail)
        Subscriber.objects.filter(
            email=normalise_email(email),
            status__in=[Subscriber.Status.PENDING, Subscriber.Status.CONFIRMED],
        ).update(status=Subscriber.Status.BOUNCED)


def request_resubscription(subscriber: Subscriber, *, ip: str = "") -> Outcome:
    """From the preferences page: the confirmed path again (a confirmation email)."""
    return request_subscription(subscriber.email, ip=ip, source=consent.RESUBSCRIBE_SOURCE)


def confirm(subscriber: Subscriber) -> Outcome:
    """The POST of the confirmation page's button: the pending consent becomes real.

    Only a consent asked for after the last unsubscribe counts, so an old confirmation
    link cannot undo a later unsubscribe. Confirming twice is harmless.
    """
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if is_blocked(subscriber.email):
            return Outcome.SUPPRESSED
        pending = subscriber.consents.filter(confirmed_at__isnull=True)
        if subscriber.unsubscribed_at is not None:
            pending = pending.filter(given_at__gt=subscriber.unsubscribed_at)
        request = pending.order_by("-pk").first()
        if request is None:
            if subscriber.is_confirmed:
                return Outcome.CONFIRMED
            return Outcome.NOTHING_TO_CONFIRM
        now = timezone.now()
        request.confirmed_at = now
        request.save(update_fields=["confirmed_at"])
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.confirmed_at = now
        subscriber.save(update_fields=["status", "confirmed_at"])
        lift_unsubscribe(subscriber.email)
        return Outcome.CONFIRMED


def unsubscribe(subscriber: Subscriber, *, detail: str = "") -> Outcome:
    """Stop mail to `subscriber` at once and put the address on the suppression list
    (reason unsubscribe), withdrawing any pending request. Idempotent: a replayed
    request changes nothing more."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        suppress(subscriber.email, Suppression.Reason.UNSUBSCRIBE, detail=detail)
        # An unsubscribe withdraws any request not yet confirmed: its link must not
        # resubscribe the person later, even when they were unsubscribed already.
        subscriber.consents.filter(confirmed_at__isnull=True).delete()
        if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
            return Outcome.ALREADY_UNSUBSCRIBED
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])
        return Outcome.UNSUBSCRIBED
