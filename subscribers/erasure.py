"""Erasure of one person's data (the right to erasure, GDPR art. 17).

What goes: the subscriber row, its name, every consent record (with its hashed client
address), and their address in a suppression entry. What stays, only when the address
was suppressed: that entry's keyed hash and reason, so the address is still refused by
the subscribe form and skipped by every import. The trade-off: without it, an erased
person who had unsubscribed or complained could be imported again from an old list and
mailed against their will; with it, we keep a pseudonymous value that reveals nothing
unless someone already knows the address (and the hash key). An erased person who was
not suppressed leaves nothing at all, and can subscribe again like anyone.

Other apps holding data about the person (the send ledger) receive `erasing` before the
row goes, inside the same transaction, and remove or anonymise theirs.
"""

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from subscribers.addresses import address_hash
from subscribers.models import Subscriber, Suppression

# Sent with `subscriber=` inside the erasure's transaction, before the row is deleted.
erasing = Signal()


def erase(subscriber: Subscriber) -> bool:
    """Erase `subscriber`; return True if a hashed suppression entry was kept."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        erasing.send(sender=Subscriber, subscriber=subscriber)
        kept = Suppression.objects.filter(email_hash=address_hash(subscriber.email)).update(
            email=None, detail=f"Person erased on {timezone.now():%Y-%m-%d}."
        )
        subscriber.delete()
    return bool(kept)


def purge_unconfirmed(*, older_than) -> int:
    """Forget people who asked but never confirmed, asked before `older_than` (a datetime):
    their address was never theirs to give until confirmed. Returns how many went.

    Only never-confirmed rows (pending, or bounced before confirming; no confirmed
    consent) are removed; a suppressed one keeps its hashed entry, as in `erase`.
    """
    stale = Subscriber.objects.filter(
        status__in=[Subscriber.Status.PENDING, Subscriber.Status.BOUNCED],
        confirmed_at__isnull=True,
        created_at__lt=older_than,
    ).exclude(consents__confirmed_at__isnull=False)
    count = 0
    for subscriber in stale.iterator():
        erase(subscriber)
        count += 1
    return count
