"""What the curation tools keep.

- `SavedLink`: the link inbox, one row per link an editor saved, with what was fetched.
- `CaptureToken`: an editor's key for saving links from a script or a phone.
- `LinkAlias`: two keys of one link, seen when fetching (a redirect, a canonical address).
- `FeaturedLink`: every link and paper of every frozen revision, written at freeze time.
- `LinkCheck`: the last check of a link (preflight, link rot), with a Wayback suggestion.
- `PreflightAcknowledgement`: a warning an editor has seen and accepted for an issue.
- `RateLimit`: the next free moment of a shared rate limit (`curation.rate_limit`).
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from newsletter.models import Issue, Revision


class RateLimit(models.Model):
    key = models.CharField(max_length=200, primary_key=True)
    next_at = models.DateTimeField()

    def __str__(self):
        return f"{self.key}: next at {self.next_at:%H:%M:%S}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CaptureTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def user_for(self, token: str):
        """The editor whose active token this is, or None (recording when it was used)."""
        if not token or len(token) > 200:
            return None
        found = self.active().select_related("user").filter(digest=_digest(token)).first()
        if found is None:
            return None
        type(found).objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found.user


class CaptureToken(models.Model):
    """A key that saves links into one editor's inbox; only its digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capture_tokens"
    )
    label = models.CharField(max_length=100, help_text="Where it is used, e.g. “phone”.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text="Its first characters.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CaptureTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.label} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, label: str) -> tuple["CaptureToken", str]:
        """A new token for `user`: the row, and the token itself (shown once, never stored)."""
        token = secrets.token_urlsafe(32)
        row = cls.objects.create(user=user, label=label, digest=_digest(token), prefix=token[:8])
        return row, token


class SavedLinkQuerySet(models.QuerySet):
    def in_inbox(self):
        return self.filter(used_at__isnull=True)


class SavedLink(models.Model):
    """A link saved into the inbox, filled once in the background from its page or arXiv."""

    class Via(models.TextChoices):
        BOOKMARKLET = "bookmarklet", "Bookmarklet"
        API = "api", "Script or share sheet"
        FORM = "form", "Inbox page"

    class Status(models.TextChoices):
        PENDING = "pending", "Being fetched"
        FILLED = "filled", "Filled"
        FAILED = "failed", "Could not be fetched"
        REFUSED = "refused", "Not fetched"

    url = models.URLField(max_length=1000)
    key = models.CharField(max_length=1000, db_index=True, editable=False)
    title = models.CharField(max_length=300, blank=True, help_text="As the page was titled.")
    selected_text = models.TextField(blank=True, max_length=5000)
    via = models.CharField(max_length=20, choices=Via.choices, default=Via.FORM)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now_add=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(max_length=500, blank=True, help_text="Why it was not filled.")
    fetched_at = models.DateTimeField(null=True, blank=True)
    final_url = models.URLField(max_length=1000, blank=True)
    fetched_title = models.CharField(max_length=500, blank=True)
    site_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    image_url = models.URLField(max_length=1000, blank=True)
    arxiv_id = models.CharField(max_length=40, blank=True)
    paper = models.JSONField(null=True, blank=True, help_text="What arXiv said, when a paper.")

    used_at = models.DateTimeField(null=True, blank=True)
    used_in = models.ForeignKey(
        Issue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SavedLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-saved_at", "-id"]

    def __str__(self):
        return self.best_title

    @property
    def best_title(self) -> str:
        if self.paper:
            return self.paper.get("title") or self.url
        return self.fetched_title or self.title or self.url

    @property
    def is_paper(self) -> bool:
        return bool(self.arxiv_id)


class LinkAlias(models.Model):
    """`key` and `alias` name one page: a fetch was redirected, or named its canonical URL."""

    key = models.CharField(max_length=1000, db_index=True)
    alias = models.CharField(max_length=1000, db_index=True)
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "alias"], name="link_alias_unique")]
        verbose_name_plural = "link aliases"

    def __str__(self):
        return f"{self.key} = {self.alias}"


class FeaturedLink(models.Model):
    """A link or paper of a frozen revision, written once with it: "featured before" reads
    these rows for the revisions live now, never the snapshots."""

    class Kind(models.TextChoices):
        ITEM = "item", "Item"
        PAPER = "paper", "Paper"

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=1000, db_index=True)
    url = models.CharField(max_length=1000, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    issue_number = models.PositiveIntegerField()
    section_title = models.CharField(max_length=200)
    entry_title = models.CharField(max_length=500)
    anchor = models.CharField(max_length=200)

    class Meta:
        ordering = ["-issue_number", "id"]

    def __str__(self):
        return f"#{self.issue_number} {self.section_title}: {self.entry_title}"


class LinkCheck(models.Model):
    """The latest check of one link (by key): whether it loads, since when it fails."""

    key = models.CharField(max_length=1000, unique=True)
    url = models.URLField(max_length=1000)
    host = models.CharField(max_length=255, db_index=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    status = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    wayback_url = models.URLField(max_length=1500, blank=True)
    wayback_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-failing_since", "url"]
        verbose_name = "link rot report"
        verbose_name_plural = "link rot report"

    def __str__(self):
        return self.url


class PreflightAcknowledgement(models.Model):
    """An editor saw this warning on this issue and accepted it."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "code"], name="preflight_ack_unique")
        ]

    def __str__(self):
        return self.code
