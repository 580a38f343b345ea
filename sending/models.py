"""A send (one revision to the subscribers) and its ledger (one Delivery per recipient)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The states of a send that did not email anyone: one cancelled before it started, and one
# that started and found nobody to email. Neither uses up the issue's one email.
NOT_EMAILED = ("cancelled", "nobody")


class SendQuerySet(models.QuerySet):
    def emailed(self):
        """Sends that went (or are going) to someone: waiting, sending, paused or done."""
        return self.exclude(state__in=NOT_EMAILED)


class Send(models.Model):
    class Kind(models.TextChoices):
        ISSUE = "issue", "Issue"
        CORRECTION = "correction", "Correction"

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for go-live"
        SENDING = "sending", "Sending"
        PAUSED = "paused", "Paused"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"
        NOBODY = "nobody", "Reached nobody"

    issue = models.ForeignKey("newsletter.Issue", on_delete=models.PROTECT, related_name="sends")
    revision = models.ForeignKey(
        "newsletter.Revision", on_delete=models.PROTECT, related_name="sends"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ISSUE)
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    go_live_at = models.DateTimeField(help_text="When the revision goes live: the send starts.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(
        blank=True, help_text="Why it was paused or cancelled, or why it reached nobody."
    )

    objects = SendQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            # Every subscriber gets each issue once: a correction is sent only on request.
            # A send that emailed nobody (NOT_EMAILED) leaves the issue's email to come.
            models.UniqueConstraint(
                fields=["issue"],
                condition=Q(kind="issue") & ~Q(state__in=NOT_EMAILED),
                name="one_issue_send_per_issue",
            )
        ]

    def __str__(self):
        revision = self.revision
        what = "Correction" if self.kind == self.Kind.CORRECTION else "Email"
        return f"{what} of issue #{revision.issue_number} (revision {revision.number})"

    def counts(self) -> dict[str, int]:
        found = dict(self.deliveries.values_list("state").annotate(n=models.Count("id")).order_by())
        counts = {state: found.get(state, 0) for state in Delivery.State.values}
        counts["total"] = sum(found.values())
        return counts


class Delivery(models.Model):
    """One row of the send ledger: one (send, recipient), created before anything is sent."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        "subscribers.Subscriber", null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["send", "email"], name="one_delivery_per_address")
        ]
        indexes = [
            models.Index(
                fields=["send", "next_attempt_at"],
                condition=Q(state="queued"),
                name="delivery_queued_idx",
            ),
            models.Index(fields=["sent_at"], name="delivery_sent_at_idx"),
        ]

    def __str__(self):
        return f"{self.email} ({self.state})"
