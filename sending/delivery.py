"""Delivering a send: workers claim ledger rows and send them, each row once.

A worker claims one queued row at a time with `SELECT … FOR UPDATE SKIP LOCKED` and keeps
the row locked while its message goes to the mail server, then records the outcome and
commits. Any number of workers share a send without sending a row twice: a locked row is
skipped by the others. A worker killed mid-message loses nothing: its database connection
dies, its transaction rolls back, and the row is queued again for the next worker.

The one message that can go twice is the one in flight at the kill: if the server had
already accepted it (its 250 after the DATA) but the worker died before the commit, the
ledger cannot know. SMTP has no way to ask a server "did you take this Message-ID?", so
at most the messages in flight at a crash (one per worker) can be duplicated; every one
keeps its Message-ID, which lets the receiving side spot the copy.
"""

import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from background import stopping
from sending.message import BadRecipient, Edition, subject_for
from sending.models import Delivery, Send
from subscribers import subscriptions

logger = logging.getLogger(__name__)

SENT, TRANSIENT, PERMANENT = "sent", "transient", "permanent"


def _classify(error: Exception) -> tuple[str, str]:
    """(PERMANENT or TRANSIENT, a line for the ledger) for an error sending one message."""
    if isinstance(error, BadRecipient):
        return PERMANENT, str(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        kind = PERMANENT if 500 <= code < 600 else TRANSIENT
        return kind, f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(error, smtplib.SMTPResponseException):
        kind = PERMANENT if 500 <= error.smtp_code < 600 else TRANSIENT
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return kind, f"{error.smtp_code} {text}"
    return TRANSIENT, f"{type(error).__name__}: {error}"


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.SENDING_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def _wait_for_rate() -> None:
    """Hold back while SENDING_RATE_PER_MINUTE messages went out in the last minute."""
    limit = settings.SENDING_RATE_PER_MINUTE
    while limit and not stopping.requested():
        since = timezone.now() - timedelta(minutes=1)
        recent = Delivery.objects.filter(sent_at__gt=since)
        if recent.count() < limit:
            return
        oldest = recent.aggregate(first=Min("sent_at"))["first"]
        pause = (oldest - since).total_seconds() if oldest else 0.5
        time.sleep(min(max(pause, 0.05), 1.0))


def _pause_if_failing(send_id: int) -> None:
    """Pause the send when too many of its attempted rows are failing."""
    attempted = Delivery.objects.filter(send_id=send_id, attempts__gt=0)
    total = attempted.count()
    if total < settings.SENDING_PAUSE_MIN_ATTEMPTS:
        return
    failing = attempted.filter(
        Q(state__in=[Delivery.State.FAILED, Delivery.State.BOUNCED])
        | Q(state=Delivery.State.QUEUED)
    ).count()
    if failing / total > settings.SENDING_PAUSE_ERROR_RATE:
        paused = Send.objects.filter(pk=send_id, state=Send.State.SENDING).update(
            state=Send.State.PAUSED,
            note=f"Paused automatically: {failing} of {total} attempted messages failed.",
        )
        if paused:
            logger.warning("Send %s paused: %s of %s attempts failing", send_id, failing, total)


class _Mailer:
    """The mail connection, kept open across messages and reopened after an error."""

    def __init__(self):
        self.connection = None

    def send(self, message) -> None:
        if self.connection is None:
            self.connection = mailers[settings.SENDING_MAILER]
            self.connection.open()
        try:
            self.connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused:
            raise  # the session itself is fine
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                logger.debug("Closing the mail connection failed", exc_info=True)
            self.connection = None


def _attempt(row: Delivery, edition: Edition, mailer: _Mailer) -> str:
    now = timezone.now()
    row.attempts += 1
    row.last_attempt_at = now
    try:
        message = edition.message(
            email=row.email, name=row.name, message_id=row.message_id, subscriber=row.subscriber
        )
        mailer.send(message)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        kind, detail = _classify(error)
        row.last_error = detail[:2000]
        if kind == PERMANENT:
            row.state = Delivery.State.BOUNCED
            subscriptions.bounced(row.email, detail=f"Refused when sending: {detail}"[:2000])
        elif row.attempts >= settings.SENDING_MAX_ATTEMPTS:
            row.state = Delivery.State.FAILED
        else:
            row.next_attempt_at = now + _backoff(row.attempts)
        row.save()
        return kind
    status = getattr(message, "anymail_status", None)
    row.provider_message_id = (getattr(status, "message_id", None) or "")[:200]
    row.state = Delivery.State.SENT
    row.sent_at = timezone.now()
    row.last_error = ""
    row.save()
    return SENT


def _claim(send_id: int) -> Delivery | None:
    return (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("subscriber")
        .filter(send_id=send_id, state=Delivery.State.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("id")
        .first()
    )


def deliver_send(send_id: int) -> dict:
    """Send queued rows of `send_id` until none is ready, the send is paused, or the worker
    is asked to stop. Returns what this call did, and when to call again (or None)."""
    send = Send.objects.select_related("revision").get(pk=send_id)
    done = {"sent": 0, "transient": 0, "permanent": 0, "again_at": None}
    if send.state != Send.State.SENDING:
        return done
    edition = Edition(
        send.revision, subject=subject_for(send.revision, correction=send.kind == "correction")
    )
    mailer = _Mailer()
    try:
        while not stopping.requested():
            _wait_for_rate()
            with transaction.atomic():
                if not Send.objects.filter(pk=send_id, state=Send.State.SENDING).exists():
                    return done
                row = _claim(send_id)
                if row is None:
                    break
                outcome = _attempt(row, edition, mailer)
            done[outcome] += 1
            if outcome != SENT:
                _pause_if_failing(send_id)
    finally:
        mailer.close()
    if stopping.requested():
        done["again_at"] = timezone.now()
        return done
    with transaction.atomic():
        # The send's row is locked, as `sends.retry_failed` locks it before it queues rows
        # again: rows queued meanwhile are either seen here or find the send done and
        # reopen it. A send paused or cancelled meanwhile is left as it is.
        sending = Send.objects.select_for_update().filter(pk=send_id, state=Send.State.SENDING)
        if sending.first() is None:
            return done
        # Rows in other workers' hands (or a killed worker's, until its connection is seen
        # dead) and retries not yet due: look again then. One query, so a row another
        # worker sends meanwhile cannot be counted as queued and then have no time.
        queued = Delivery.objects.filter(send_id=send_id, state=Delivery.State.QUEUED)
        soonest = queued.aggregate(at=Min("next_attempt_at"))["at"]
        if soonest is not None:
            done["again_at"] = max(soonest, timezone.now() + timedelta(seconds=2))
        else:
            Send.objects.filter(pk=send_id).update(
                state=Send.State.DONE, finished_at=timezone.now()
            )
    return done
