"""Sending one workflow email in the background, retried with backoff when it fails.

A task a message (`send_notification(event_id, template, address)`): a retry resends only
the message that failed. A failed attempt is logged and enqueued again for
EDITORIAL_NOTIFICATION_RETRY_SECONDS × 2^(attempt − 1) later, up to
EDITORIAL_NOTIFICATION_ATTEMPTS attempts; the last failure is logged as an error. A
backend that cannot defer (immediate) retries at once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task, task_backends
from django.utils import timezone

from editorial.models import Event
from editorial.notifications import message_for

logger = logging.getLogger("editorial.notifications")


@task
def send_notification(event_id: int, template: str, address: str, attempt: int = 1) -> str:
    event = Event.objects.select_related("issue", "actor").filter(pk=event_id).first()
    if event is None:
        return "the event is gone"
    try:
        message_for(event, template, address).send()
    except Exception as error:  # noqa: BLE001 - any failure is logged and retried
        attempts = settings.EDITORIAL_NOTIFICATION_ATTEMPTS
        if attempt >= attempts:
            logger.error(
                "Could not send the %s email for %s to %s after %s attempts: %s",
                event.action,
                event.issue,
                address,
                attempt,
                error,
            )
            return "gave up"
        wait = settings.EDITORIAL_NOTIFICATION_RETRY_SECONDS * 2 ** (attempt - 1)
        logger.warning(
            "Could not send the %s email for %s to %s (attempt %s of %s, again in %ss): %s",
            event.action,
            event.issue,
            address,
            attempt,
            attempts,
            wait,
            error,
        )
        again = send_notification
        if task_backends[send_notification.backend].supports_defer:
            again = send_notification.using(run_after=timezone.now() + timedelta(seconds=wait))
        again.enqueue(event_id, template, address, attempt + 1)
        return "retrying"
    logger.info("Sent the %s email for %s to %s", event.action, event.issue, address)
    return "sent"
