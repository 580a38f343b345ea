"""Making an Image's renditions in the background, retried with backoff when it fails.

A task a picture (`make_renditions(image_id)`), enqueued once its upload commits. It is
idempotent: a picture that has its renditions (made by an earlier run, or by a freeze that
could not wait) is left alone. A failed attempt (the storage refusing, say) is logged and
enqueued again IMAGE_RENDITION_RETRY_SECONDS × 2^(attempt − 1) later, up to
IMAGE_RENDITION_ATTEMPTS attempts; the last failure is logged as an error and the task
fails, visible in the admin's Task results. A picture whose task was lost is taken up again
when a worker starts (`resume_pending`: only those with no task queued, so that every
worker's start does not queue the same pictures again), and in any case by the next
freeze that shows it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task, task_backends
from django.utils import timezone

from background.queued import queued_arguments
from newsletter.content import renditions

logger = logging.getLogger("newsletter.renditions")


def enqueue_renditions(image_id: int, *, attempt: int = 1, wait: float = 0) -> None:
    """Enqueue `make_renditions(image_id)`, `wait` seconds from now when the backend can defer."""
    job = make_renditions
    if wait and task_backends[make_renditions.backend].supports_defer:
        job = make_renditions.using(run_after=timezone.now() + timedelta(seconds=wait))
    job.enqueue(image_id, attempt)


@task
def make_renditions(image_id: int, attempt: int = 1) -> str:
    try:
        made = renditions.make([image_id])
    except Exception as error:  # noqa: BLE001 - any failure is logged and retried
        attempts = settings.IMAGE_RENDITION_ATTEMPTS
        if attempt >= attempts:
            logger.error(
                "Could not make the renditions of image %s after %s attempts: %r",
                image_id,
                attempt,
                error,
            )
            raise
        wait = settings.IMAGE_RENDITION_RETRY_SECONDS * 2 ** (attempt - 1)
        logger.warning(
            "Could not make the renditions of image %s (attempt %s of %s, again in %ss): %r",
            image_id,
            attempt,
            attempts,
            wait,
            error,
        )
        enqueue_renditions(image_id, attempt=attempt + 1, wait=wait)
        return "retrying"
    return "made" if made else "already made"


def resume_pending(**kwargs) -> None:
    """`background.signals.worker_ready`: enqueue the renditions of every picture still
    without them and with no task queued (its task lost with a queue, enqueued while the
    backend was down, or left running by a killed worker); one already queued, a retry
    waiting for its time included, is left to that task."""
    with transaction.atomic():
        # A picture locked is being made (by a task, or a freeze) or is in the hands of
        # another worker starting at the same moment: either way it is not queued again.
        # Locked before the queue is read: what a worker that started just before queued
        # is committed by the time its pictures' locks are free.
        pending = list(
            renditions.pending()
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        queued = {arguments[0] for arguments in queued_arguments(make_renditions)}
        for image_id in pending:
            if image_id not in queued:
                enqueue_renditions(image_id)
