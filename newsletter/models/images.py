"""Images: an uploaded picture, re-encoded without metadata, with WebP renditions.

Stored names are random (128 bits), never the uploaded file's name nor its date, so a
picture nobody has published cannot be found by guessing its address; its renditions
share the original's token. Deleting an Image removes its files once the deletion
commits, however it is deleted (the admin, a bulk action, code).
"""

import logging
import re
import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver

from newsletter.content.snapshot import Rendition, narrowest
from newsletter.models.validators import single_line

logger = logging.getLogger(__name__)

_EXTENSION = re.compile(r"\.[a-z0-9]{1,5}")


def image_upload_to(instance, filename: str) -> str:
    """`images/<2 chars>/<32 hex chars>.<ext>`: 128 random bits; only the extension of
    `filename` is kept (the pipeline names it after the detected format)."""
    extension = PurePosixPath(filename or "").suffix.lower()
    token = secrets.token_hex(16)
    return f"images/{token[:2]}/{token}{extension if _EXTENSION.fullmatch(extension) else ''}"


def rendition_name(original: str, width: int, extension: str = ".webp") -> str:
    """The stored name of the `width`-pixel rendition (WebP, or `extension`: the email's
    JPEG or PNG) of the original named `original`."""
    token = PurePosixPath(original).stem
    return f"renditions/{token[:2]}/{token}-{width}w{extension}"


# The formats of the email renditions (recorded on each as "format"); the others are WebP.
EMAIL_FORMATS = ("jpeg", "png")


class Image(models.Model):
    """An uploaded picture, re-encoded without metadata, with WebP renditions for srcset.

    Create images through `newsletter.images.ingest()`, which validates and normalises
    the upload; the same bytes uploaded twice give the same Image (unique sha256).
    """

    file = models.ImageField(upload_to=image_upload_to, width_field="width", height_field="height")
    alt_text = models.CharField(
        max_length=300,
        help_text="Describe the picture for people who cannot see it. Required.",
        validators=[single_line],
    )
    caption = models.CharField(max_length=500, blank=True, validators=[single_line])
    credit = models.CharField(max_length=200, blank=True, validators=[single_line])
    credit_url = models.URLField(blank=True)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    # [{"width": 480, "height": 270, "name": "renditions/…-480w.webp"}, …], narrowest first,
    # then the email's: {"width": 1200, …, "name": "renditions/…-1200w.jpg", "format": "jpeg"}.
    renditions = models.JSONField(default=list, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(alt_text=""), name="image_alt_text_required"),
        ]

    def __str__(self):
        return self.alt_text[:80] or self.file.name

    def stored_renditions(self, *, email: bool = False) -> list[dict]:
        """The WebP renditions' entries, or with `email` the JPEG/PNG ones."""
        return [
            r
            for r in self.renditions or []
            if r.get("name") and (r.get("format") in EMAIL_FORMATS) == email
        ]

    def rendition_list(self, *, email: bool = False) -> list[Rendition]:
        """The stored WebP renditions (with `email`, the JPEG/PNG ones) as snapshot
        renditions (URL and size), narrowest first."""
        storage = self.file.storage
        found = self.stored_renditions(email=email)
        return sorted(
            (Rendition(url=storage.url(r["name"]), width=r["width"], height=r["height"])
             for r in found),
            key=lambda r: r.width,
        )  # fmt: skip

    def url_at_least(self, width: int = 0) -> str:
        """The narrowest rendition at least `width` pixels wide, else the original file."""
        chosen = narrowest(self.rendition_list(), at_least=width)
        if chosen is not None:
            return chosen.url
        return self.file.url if self.file else ""

    def stored_names(self) -> list[str]:
        """The storage names of the original and of every rendition."""
        names = [self.file.name, *(r.get("name") for r in self.renditions or [])]
        return [name for name in names if name]


def _storage_errors() -> tuple[type[BaseException], ...]:
    """What a storage raises when it cannot do its work: the disk's OSError, and the S3
    client's errors (an endpoint that does not answer, a refusal, a missing bucket)."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return (OSError,)
    return (OSError, BotoCoreError, ClientError)


STORAGE_ERRORS = _storage_errors()


def remove_stored(storage, names) -> None:
    """Delete `names` from `storage`; a file that cannot be removed is logged, not raised."""
    for name in names:
        try:
            storage.delete(name)
        except STORAGE_ERRORS:
            logger.warning("Could not remove %s from storage", name, exc_info=True)


@receiver(post_delete, sender=Image, dispatch_uid="image_files_removed")
def _remove_files_of_deleted_image(sender, instance: Image, using, **kwargs):
    """Once the deletion commits, remove the original and its renditions (after a
    rollback, or a deletion refused by a revision showing it, they stay)."""
    storage, names = instance.file.storage, instance.stored_names()
    transaction.on_commit(lambda: remove_stored(storage, names), using=using)
