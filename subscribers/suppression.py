"""The suppression list: addresses that get no mail, whatever their subscriber row says.

Every way an address comes in (the subscribe form, a resubscription, a CSV import)
checks `is_suppressed` first, and `Subscriber.objects.confirmed()` leaves suppressed
addresses out, so only staff removing the entry in the admin lifts a suppression.
"""

from django.db import transaction

from subscribers.addresses import address_hash, normalise_email
from subscribers.models import Suppression

Reason = Suppression.Reason

# A later, stronger reason replaces a weaker one (an unsubscribed address that then
# hard-bounces is kept as a bounce); a weaker one never hides a stronger one.
STRENGTH = {Reason.UNSUBSCRIBE: 0, Reason.MANUAL: 1, Reason.HARD_BOUNCE: 2, Reason.COMPLAINT: 3}


def suppress(email: str, reason: str, detail: str = "") -> Suppression:
    """Put `email` on the suppression list for `reason` (idempotent); return its entry."""
    reason = Reason(reason)
    email = normalise_email(email)
    digest = address_hash(email)
    with transaction.atomic():
        entry, created = Suppression.objects.select_for_update().get_or_create(
            email_hash=digest, defaults={"email": email, "reason": reason, "detail": detail}
        )
        if not created and STRENGTH[reason] > STRENGTH[Reason(entry.reason)]:
            entry.reason = reason
            entry.detail = detail
            entry.save(update_fields=["reason", "detail"])
    return entry


def suppression_for(email: str) -> Suppression | None:
    return Suppression.objects.filter(email_hash=address_hash(email)).first()


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email_hash=address_hash(email)).exists()


def suppressed_hashes(emails) -> set[str]:
    """Which of `emails` are suppressed, as their hashes: one query for a whole import."""
    digests = [address_hash(e) for e in emails]
    found = set()
    for start in range(0, len(digests), 5000):
        found.update(
            Suppression.objects.filter(email_hash__in=digests[start : start + 5000]).values_list(
                "email_hash", flat=True
            )
        )
    return found


def lift_unsubscribe(email: str) -> bool:
    """Remove an *unsubscribe* suppression (the person confirmed again); True if removed.

    Bounces, complaints and manual entries stay: only staff lift those, in the admin.
    """
    deleted, _ = Suppression.objects.filter(
        email_hash=address_hash(email), reason=Reason.UNSUBSCRIBE
    ).delete()
    return bool(deleted)
