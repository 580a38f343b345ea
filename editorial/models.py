"""The workflow's records: the audit trail of every transition, and share-link keys."""

from django.conf import settings
from django.db import models

from newsletter.models import Issue, Revision


class Event(models.Model):
    """One transition of one issue: who did what, when, from which state to which."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events")
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    # For schedule: the moment chosen; for the others, when the change took effect.
    effective_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["issue", "-created_at"], name="event_issue_timeline")]
        permissions = [
            ("submit_issue", "Can submit, withdraw and restore issues"),
            ("review_issue", "Can approve issues or request changes"),
            ("publish_issue", "Can publish, schedule and unpublish issues"),
        ]

    def __str__(self):
        return f"{self.issue}: {self.action} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"


class ShareLinkKey(models.Model):
    """Share links of an issue are signed with its generation: bumping it revokes them all."""

    issue = models.OneToOneField(Issue, on_delete=models.CASCADE, related_name="share_link_key")
    generation = models.PositiveIntegerField(default=1)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"Share links of {self.issue} (generation {self.generation})"
