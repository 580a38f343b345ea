"""Renditions are made in the background, and are always there before a picture goes live.

An upload (newsletter.content.images) validates and decodes the file, stores the original
and creates the Image with no renditions; once that commits, the task `make_renditions`
(newsletter.content.rendition_tasks) is enqueued and a worker makes them: the WebP
renditions for srcset and the email's JPEG or PNG ones. Until then every view of the
picture shows the stored original (an ImageRef with no renditions has no srcset).

Freezing a revision (newsletter.content.freeze) first makes whatever its pictures still
lack, here and in threads, so a revision records every rendition even when no worker runs,
and what is approved, published and emailed is that revision. `make` is idempotent: each
Image row is locked while its renditions are made, and one that has them is left alone, so
the task and a freeze racing for the same picture make it once.
"""

import logging
import os
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction

from newsletter.content import images as pipeline
from newsletter.models import Image
from newsletter.models.images import STORAGE_ERRORS, remove_stored, rendition_name

logger = logging.getLogger(__name__)


def pending():
    """Images whose renditions are not made yet (a made picture has at least one WebP)."""
    return Image.objects.filter(renditions=[])


class RenditionsUnavailable(Exception):
    """The storage could not give or take a picture's files; the message says so."""


# A picture whose stored original is gone or unreadable can never have renditions.
UNREADABLE = (FileNotFoundError, pipeline.ImageRejected)


def make(image_ids, *, skip_unreadable: bool = False) -> list[int]:
    """Make the renditions of those of `image_ids` that have none; return the ids made.

    Inside the caller's transaction, if any: the rows stay locked until it commits, so a
    worker's task for the same picture waits, then finds it made. Raises what decoding the
    stored original (ImageRejected) or the storage (STORAGE_ERRORS) raises, keeping nothing;
    with `skip_unreadable`, a picture whose original is missing or unreadable is logged and
    left as it is (shown as its original, like any picture whose file went missing), and a
    storage that fails otherwise raises RenditionsUnavailable.
    """
    ids = sorted(set(image_ids))
    if not ids or not pending().filter(pk__in=ids).exists():
        return []
    made = []
    with transaction.atomic():
        # In id order, so two callers locking several pictures cannot deadlock.
        todo = [
            image
            for image in Image.objects.select_for_update().filter(pk__in=ids).order_by("pk")
            if not image.renditions
        ]
        # A few pictures at a time: each decoded picture is held until its renditions are made.
        batch = os.cpu_count() or 1
        try:
            for start in range(0, len(todo), batch):
                chunk = todo[start : start + batch]
                for image, entries in zip(chunk, _render(chunk, skip_unreadable), strict=True):
                    if entries is None:
                        continue
                    image.renditions = entries
                    image.save(update_fields=["renditions"])
                    made.append(image)
        except BaseException as error:  # rolled back: the files made so far go too
            for image in made:
                remove_stored(image.file.storage, [r["name"] for r in image.renditions])
            if skip_unreadable and isinstance(error, STORAGE_ERRORS):
                logger.error("Could not make renditions: %r", error, exc_info=True)
                raise RenditionsUnavailable(
                    "The pictures' renditions could not be made: the site's file storage is "
                    "full or unavailable. Nothing was changed; try again in a while, and if "
                    "it keeps happening tell whoever runs the site."
                ) from error
            raise
    if made:
        logger.info("Made the renditions of %s image(s): %s", len(made), [i.pk for i in made])
    return [image.pk for image in made]


def _read_stored(image: Image) -> bytes:
    with image.file.storage.open(image.file.name, "rb") as stored:
        return stored.read()


def _decode_stored(image: Image, skip_unreadable: bool):
    try:
        return pipeline.decode(_read_stored(image))
    except UNREADABLE as error:
        if not skip_unreadable:
            raise
        logger.error(
            "Image %s (%s) has no renditions: its stored original cannot be read: %r",
            image.pk,
            image.file.name,
            error,
        )
        return None


def _render(images: list[Image], skip_unreadable: bool = False) -> list[list[dict] | None]:
    """The renditions of `images`, stored, as Image.renditions entries (None for a picture
    skipped as unreadable): every picture's decoding, then every rendition of them all,
    made side by side in threads."""
    decoded = pipeline.run_at_once(
        [partial(_decode_stored, image, skip_unreadable) for image in images]
    )
    jobs, owners = [], []
    for index, one in enumerate(decoded):
        if one is None:
            continue
        webp, email = pipeline.webp_rendition_jobs(one), pipeline.email_rendition_jobs(one)
        jobs += [*webp, *email]
        owners += [(index, False)] * len(webp) + [(index, True)] * len(email)
    results = pipeline.run_at_once(jobs)
    decoded = [one is not None for one in decoded]  # let go of the pixels
    made: list[list[tuple]] = [[] for _ in images]
    for (index, email), result in zip(owners, results, strict=True):
        made[index] += [(email, *rendition) for rendition in result]
    return [
        _store(image, found) if one else None
        for image, found, one in zip(images, made, decoded, strict=True)
    ]


def _store(image: Image, made: list[tuple]) -> list[dict]:
    storage = image.file.storage
    stored: list[str] = []
    entries: list[dict] = []
    webp = sorted(r[1:] for r in made if not r[0])
    email = sorted(r[1:] for r in made if r[0])
    try:
        for width, height, content in webp:
            stored.append(_save(storage, rendition_name(image.file.name, width), content))
            entries.append({"width": width, "height": height, "name": stored[-1]})
        for width, height, fmt, content in email:
            name = rendition_name(image.file.name, width, pipeline.EMAIL_EXTENSIONS[fmt])
            stored.append(_save(storage, name, content))
            entries.append({"width": width, "height": height, "name": stored[-1], "format": fmt})
    except STORAGE_ERRORS:
        remove_stored(storage, stored)
        raise
    return entries


def _save(storage, name: str, content: bytes) -> str:
    # A file of that name is what an attempt cut short left (renditions share the
    # original's random token): replace it rather than store the picture twice.
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(content))
