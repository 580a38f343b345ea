"""Starting, pausing, resuming and retrying sends: the front door of the sending app.

A send is asked for with the publish or schedule that makes its revision live
(`perform(..., email_subscribers=True)`): its row is written in that transition's
transaction, and a task is enqueued for the go-live second. That task checks the revision
is live then (a cancelled schedule or an unpublish before go-live sends nothing), writes
one ledger row per confirmed subscriber not suppressed, and hands the rows to the workers.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task_backends
from django.utils import timezone

from background.queued import queued_arguments
from newsletter.models import Revision
from sending.message import Edition, message_id_for, subject_for
from sending.models import Delivery, Send
from subscribers.models import Subscriber

logger = logging.getLogger(__name__)


# How to email an issue (or a correction) whose send reached nobody, with what the admin has.
EMAIL_IT_LATER = {
    Send.Kind.ISSUE: (
        "once someone is confirmed, publish or schedule a new revision of it with “Also "
        "email subscribers when it goes live” ticked and it is emailed then"
    ),
    Send.Kind.CORRECTION: (
        "once someone is confirmed, “Email the correction…” on the issue page emails it"
    ),
}
NOBODY_NOTE = {
    kind: (
        "Nobody was confirmed when it started, so nobody was emailed. This does not count "
        f"as the {kind}'s email: {how}."
    )
    for kind, how in EMAIL_IT_LATER.items()
}


class SendRefused(Exception):
    """A send that cannot be asked for; the message says why, fit to show a publisher."""


def enqueue(task, send_id: int, *, at=None) -> None:
    """Enqueue `task(send_id)`, to run at `at` when the backend can defer."""
    backend = task_backends[task.backend]
    if at is not None and at > timezone.now() and backend.supports_defer:
        task.using(run_after=at).enqueue(send_id)
    elif at is None or at <= timezone.now():
        task.enqueue(send_id)
    # A backend that cannot defer (immediate) starts a scheduled send when a worker
    # starts after its go-live (resume_unfinished).


def _enqueue_start(send: Send) -> None:
    from sending.tasks import start_send

    enqueue(start_send, send.pk, at=send.go_live_at)


def _enqueue_delivery(send: Send) -> None:
    from sending.tasks import deliver

    for _ in range(settings.SENDING_TASKS_PER_SEND):
        enqueue(deliver, send.pk)


def request_send(revision: Revision, *, by, kind: str = Send.Kind.ISSUE) -> Send | None:
    """Ask for `revision` to be emailed when it goes live (inside the caller's transaction).

    An issue goes to the subscribers once: a second issue send of the same issue (a
    correction published later) is not made; `send_correction` is the way to resend. A
    send that emailed nobody (cancelled, or nobody confirmed when it started) does not
    count: the next revision published or scheduled with the box ticked is emailed.
    """
    if revision.go_live_at is None:
        raise SendRefused("Only a published or scheduled revision can be emailed.")
    if (
        kind == Send.Kind.ISSUE
        and Send.objects.emailed().filter(issue_id=revision.issue_id, kind=Send.Kind.ISSUE).exists()
    ):
        return None
    try:
        with transaction.atomic():
            send = Send.objects.create(
                issue_id=revision.issue_id,
                revision=revision,
                kind=kind,
                go_live_at=revision.go_live_at,
                requested_by=by,
            )
    except IntegrityError:
        return None  # another request for this issue won the race
    transaction.on_commit(lambda: _enqueue_start(send))
    return send


def send_correction(revision: Revision, *, by) -> Send:
    """Email a live or scheduled correction to the subscribers (a publisher's choice)."""
    if not by.has_perm("editorial.publish_issue"):
        raise SendRefused("Only publishers can send a correction.")
    with transaction.atomic():
        return request_send(revision, by=by, kind=Send.Kind.CORRECTION)


def _cancel_waiting(revisions, why: str) -> None:
    Send.objects.filter(revision__in=revisions, state=Send.State.WAITING).update(
        state=Send.State.CANCELLED, note=why
    )


def on_transition(sender, *, event, **kwargs) -> None:
    """`editorial.signals.transition_recorded`: inside the transition's transaction."""
    if event.action in ("publish", "schedule") and getattr(event, "email_subscribers", False):
        request_send(event.revision, by=event.actor)
    elif event.action == "cancel_schedule":
        _cancel_waiting([event.revision], "Its schedule was cancelled before go-live.")
    elif event.action == "unpublish":
        cancelled = [revision for revision, _at in getattr(event, "cancelled", [])]
        _cancel_waiting([event.revision, *cancelled], "Unpublished before its send started.")


def start(send_id: int) -> str:
    """Write the ledger of a send whose revision is live now, and start delivering it."""
    now = timezone.now()
    with transaction.atomic():
        send = Send.objects.select_for_update().select_related("revision").get(pk=send_id)
        if send.state != Send.State.WAITING:
            return f"already {send.state}"
        revision = send.revision
        if not Revision.objects.live(at=now).filter(pk=revision.pk).exists():
            if revision.go_live_at is not None and revision.go_live_at > now:
                transaction.on_commit(lambda: _enqueue_start(send))
                send.go_live_at = revision.go_live_at
                send.save(update_fields=["go_live_at"])
                return "not live yet"
            send.state = Send.State.CANCELLED
            send.note = "The revision was not live when the send was to start."
            send.save(update_fields=["state", "note"])
            return "cancelled"
        rows = (
            Delivery(
                send=send,
                subscriber=subscriber,
                email=subscriber.email,
                name=subscriber.name,
                message_id=message_id_for(send.pk, f"s{subscriber.pk}"),
                next_attempt_at=now,
            )
            for subscriber in Subscriber.objects.confirmed().order_by("pk").iterator(2000)
        )
        batch, written = [], 0
        for row in rows:
            batch.append(row)
            if len(batch) == 2000:
                Delivery.objects.bulk_create(batch, ignore_conflicts=True)
                written, batch = written + len(batch), []
        Delivery.objects.bulk_create(batch, ignore_conflicts=True)
        written += len(batch)
        send.started_at = now
        if not written:
            # It ran and reached nobody: recorded so, and the issue's email is not used up.
            send.state = Send.State.NOBODY
            send.finished_at = now
            send.note = NOBODY_NOTE[send.kind]
            send.save(update_fields=["state", "started_at", "finished_at", "note"])
            return "nobody"
        send.state = Send.State.SENDING
        send.save(update_fields=["state", "started_at"])
        transaction.on_commit(lambda: _enqueue_delivery(send))
    return "started"


def pause(send: Send) -> bool:
    return bool(
        Send.objects.filter(pk=send.pk, state=Send.State.SENDING).update(
            state=Send.State.PAUSED, note="Paused by a publisher."
        )
    )


def resume(send: Send) -> bool:
    resumed = Send.objects.filter(pk=send.pk, state=Send.State.PAUSED).update(
        state=Send.State.SENDING, note=""
    )
    if resumed:
        transaction.on_commit(lambda: _enqueue_delivery(send))
    return bool(resumed)


def retry_failed(send: Send) -> int:
    """Queue the send's failed rows again (not the bounced ones, nor the sent ones)."""
    with transaction.atomic():
        # Locked first, as a worker locks it to find the send done: see deliver_send.
        Send.objects.select_for_update().filter(pk=send.pk).first()
        count = Delivery.objects.filter(send=send, state=Delivery.State.FAILED).update(
            state=Delivery.State.QUEUED, attempts=0, next_attempt_at=timezone.now()
        )
        if count:
            Send.objects.filter(pk=send.pk, state=Send.State.DONE).update(
                state=Send.State.SENDING, finished_at=None
            )
            transaction.on_commit(lambda: _enqueue_delivery(send))
    return count


def send_test(revision: Revision, *, to_user) -> None:
    """Send `revision` as subscribers would get it, marked as a test, to `to_user` alone."""
    if not (
        to_user.has_perm("editorial.review_issue") or to_user.has_perm("editorial.publish_issue")
    ):
        raise SendRefused("Only reviewers and publishers can send a test.")
    if not to_user.email:
        raise SendRefused("Your account has no email address to send the test to.")
    from django.core.mail import mailers

    edition = Edition(revision, subject=subject_for(revision, test=True))
    message = edition.message(
        email=to_user.email,
        name=to_user.get_full_name(),
        message_id=message_id_for(0, f"test-{revision.pk}-{timezone.now():%Y%m%d%H%M%S%f}"),
    )
    mailers[settings.SENDING_MAILER].send_messages([message])


def resume_unfinished(sender=None, **kwargs) -> None:
    """`background.signals.worker_ready`: put back on the queue what a killed worker left
    (or a lost queue lost): sends past their go-live not started, and sends with rows
    still queued, each only when no task of it is queued. Queuing again what waits would
    send nobody anything twice (a send starts once under its lock, a row is claimed by
    one worker), but each start would add a delivery task that queues itself again until
    the send is done, so more workers than SENDING_TASKS_PER_SEND would share a send."""
    from sending.tasks import deliver, start_send

    with transaction.atomic():
        # A send locked is being started, paused or resumed, or is in the hands of another
        # worker starting at the same moment: either way it is not queued again here.
        # Locked before the queue is read: what a worker that started just before queued
        # is committed by the time its sends' locks are free.
        waiting = _locked(
            Send.objects.filter(state=Send.State.WAITING, go_live_at__lte=timezone.now())
        )
        sending = _locked(Send.objects.filter(state=Send.State.SENDING))
        starts = {arguments[0] for arguments in queued_arguments(start_send)}
        deliveries = {arguments[0] for arguments in queued_arguments(deliver)}
        for send in waiting:
            if send.pk not in starts:
                _enqueue_start(send)
        for send in sending:
            if send.pk not in deliveries:
                enqueue(deliver, send.pk)


def _locked(sends) -> list[Send]:
    return list(sends.select_for_update(skip_locked=True).order_by("pk"))
