"""Images: an uploaded picture, re-encoded without metadata, with WebP renditions."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from newsletter.content.snapshot import Rendition, narrowest
from newsletter.models.validators import single_line


class Image(models.Model):
    """An uploaded picture, re-encoded without metadata, with WebP renditions for srcset.

    Create images through `newsletter.images.ingest()`, which validates and normalises
    the upload; the same bytes uploaded twice give the same Image (unique sha256).
    """

    file = models.ImageField(upload_to="images/%Y/%m/", width_field="width", height_field="height")
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
    # [{"width": 480, "height": 270, "name": "renditions/…-480.webp"}, …], narrowest first.
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

    def rendition_list(self) -> list[Rendition]:
        """The stored renditions as snapshot renditions (URL and size), narrowest first."""
        storage = self.file.storage
        found = [r for r in self.renditions or [] if r.get("name")]
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
