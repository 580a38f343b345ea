"""Background work of the subscribers app, on Django's Tasks framework."""

import logging

from django.tasks import task

from subscribers import mail

logger = logging.getLogger(__name__)


@task()
def send_subscriber_mail(subscriber_id: int, kind: str) -> int:
    """Send a subscription email (confirmation, or already subscribed); return messages sent."""
    return mail.send(subscriber_id, kind)


@task()
def read_unsubscribe_mailbox() -> dict:
    """Read the unsubscribe mailbox once; then, when the backend can run a task later (a
    worker with the database or RQ backend), queue the next read
    SUBSCRIBERS_UNSUBSCRIBE_MAILBOX_INTERVAL seconds from now. A mailbox that cannot be
    read is logged and tried again at the next interval."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from subscribers.mailbox import MailboxError, read

    try:
        results = dict(read())
    except MailboxError as error:
        logger.warning("Unsubscribe mailbox not read: %s", error)
        results = {"error": str(error)}
    if read_unsubscribe_mailbox.get_backend().supports_defer:
        later = timezone.now() + timedelta(
            seconds=settings.SUBSCRIBERS_UNSUBSCRIBE_MAILBOX_INTERVAL
        )
        read_unsubscribe_mailbox.using(run_after=later).enqueue()
    return results
