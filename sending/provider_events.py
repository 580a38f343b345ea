"""What the mail provider tells us after a message left: bounces and complaints.

Anymail's tracking webhook (`sending.webhooks`) turns each provider's payload into an
`AnymailTrackingEvent` and sends `anymail.signals.tracking`; `on_tracking` maps it:

- a permanent bounce, or a rejection for a bad or bounced address: the ledger row is
  marked bounced, the address suppressed (hard bounce) and its subscriber marked bounced;
- a complaint (marked as spam), or a rejection because of an earlier one: the person is
  unsubscribed, as mail services do for whoever reports mail as spam, the address is
  suppressed as a complaint and the row notes it;
- an unsubscribe the provider took (its own List-Unsubscribe handling, or a rejection
  for an earlier one): the person is unsubscribed as by our own link;
- a deferral, a soft bounce, a delivery, an open: nothing permanent.

The row is found by our own Message-ID (deterministic per send and recipient, which some
providers report back) or by the provider's id recorded when it accepted the message.
An event for a message not in the ledger (a subscription email, or one sent before the
ledger existed) is logged; the address is still suppressed, since the provider speaks of
that mailbox. Replaying an event changes nothing more: the suppression list has one
entry per address and the row is already bounced.
"""

import logging
import re

from anymail.signals import EventType, RejectReason
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from sending.models import Delivery
from subscribers import subscriptions
from subscribers.models import Subscriber, Suppression
from subscribers.suppression import suppress

logger = logging.getLogger(__name__)

# Postmark reports these as bounces, but they are temporary: the mailbox may work later.
_SOFT_TYPES = {"SoftBounce", "Transient", "DnsError", "AutoResponder", "OpenRelayTest"}
# An SMTP reply (550, 421) or enhanced status (5.1.1, 4.2.2): its first digit says whether
# the failure is permanent (5) or temporary (4).
_SMTP_STATUS = re.compile(r"(?<![\d.])([245])(?:\d\d(?!\d)|\.\d{1,3}\.\d{1,3})")


def _temporary(event) -> bool:
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    if esp_event.get("Type") in _SOFT_TYPES:
        return True
    for text in (event.mta_response, event.description):
        found = _SMTP_STATUS.search(str(text or ""))
        if found:
            return found.group(1) == "4"
    return False


def reason_for(event) -> str | None:
    """The suppression a tracking event calls for, or None."""
    kind, why = event.event_type, event.reject_reason
    if kind == EventType.COMPLAINED or (kind == EventType.REJECTED and why == RejectReason.SPAM):
        return Suppression.Reason.COMPLAINT
    if kind == EventType.BOUNCED and not _temporary(event):
        return Suppression.Reason.HARD_BOUNCE
    if kind == EventType.REJECTED and why in (RejectReason.BOUNCED, RejectReason.INVALID):
        return Suppression.Reason.HARD_BOUNCE
    if kind == EventType.UNSUBSCRIBED or (
        kind == EventType.REJECTED and why == RejectReason.UNSUBSCRIBED
    ):
        return Suppression.Reason.UNSUBSCRIBE
    return None


def _ledger_row(message_id: str, recipient: str) -> Delivery | None:
    message_id = (message_id or "").strip()
    if not message_id:
        return None
    ours = message_id if message_id.startswith("<") else f"<{message_id}>"
    rows = (
        Delivery.objects.select_for_update()
        .filter(Q(message_id=ours) | Q(provider_message_id=message_id))
        .order_by("-id")
    )
    return (recipient and rows.filter(email__iexact=recipient).first()) or rows.first()


def _is_address(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return len(text) <= 254


def on_tracking(sender, *, event, esp_name, **kwargs) -> None:
    """`anymail.signals.tracking`: one event from the provider's webhook."""
    reason = reason_for(event)
    if reason is None:
        return
    recipient = (event.recipient or "").strip()
    detail = " ".join(
        str(part)
        for part in (f"{esp_name} {event.event_type}:", event.description, event.mta_response)
        if part
    )[:2000]
    with transaction.atomic():
        row = _ledger_row(event.message_id, recipient)
        if row is None:
            logger.warning(
                "%s %s for a message not in the ledger (id %r, recipient %r)",
                esp_name,
                event.event_type,
                event.message_id,
                recipient,
            )
        else:
            recipient = row.email
            if reason == Suppression.Reason.HARD_BOUNCE:
                row.state = Delivery.State.BOUNCED
            row.last_error = detail
            row.save(update_fields=["state", "last_error"])
        if not _is_address(recipient):
            logger.warning(
                "%s %s names no usable recipient (%r): nothing suppressed",
                esp_name,
                event.event_type,
                recipient[:300],
            )
            return
        subscriber = Subscriber.objects.filter(email=recipient).first()
        if reason == Suppression.Reason.HARD_BOUNCE:
            subscriptions.bounced(recipient, detail=detail)
        else:
            if subscriber is not None:
                # As if they had used our own link: the subscription ends, not only the mail.
                subscriptions.unsubscribe(subscriber, detail=detail)
            # A complaint outranks the unsubscribe on the suppression list (staff only lift it).
            suppress(recipient, reason, detail=detail)
    logger.info("%s %s: %s suppressed (%s)", esp_name, event.event_type, recipient, reason)
