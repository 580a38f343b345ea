"""The workflow's records: the audit trail of every transition, and share-link keys."""

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery

from newsletter.models import Issue, Revision

# The events that freeze a revision for review.
SUBMISSIONS = ("submit", "restore")


class EventQuerySet(models.QuerySet):
    """Reads of the audit trail: who submitted what, and the review queue built on it.

    Events of one issue are ordered by id, not created_at: transitions of one issue are
    serialised by its row lock, so ids follow their order, while created_at comes from
    whichever web server's clock.
    """

    def submissions(self):
        return self.filter(action__in=SUBMISSIONS)

    def latest_submission(self, issue: Issue) -> "Event | None":
        """The latest submit (or restore) of `issue`: it froze the revision under review."""
        return (
            self.filter(issue=issue).submissions().select_related("actor").order_by("-pk").first()
        )

    def last_for(self, issue: Issue) -> "Event | None":
        return self.filter(issue=issue).select_related("actor").order_by("-pk").first()

    def latest_value(self, field: str, *, actions=None) -> Subquery:
        """`field` of the latest event of the outer query's issue, as a subquery."""
        events = self.filter(issue=OuterRef("pk"))
        if actions:
            events = events.filter(action__in=actions)
        return Subquery(events.order_by("-pk").values(field)[:1])

    def waiting_for_review(self, user):
        """Issues in review that `user` did not submit, the longest waiting first: one query."""
        latest = self.latest_value
        return (
            Issue.objects.filter(state=Issue.State.IN_REVIEW)
            .annotate(
                submitted_by_id=latest("actor", actions=SUBMISSIONS),
                submitted_by_name=latest("actor__username", actions=SUBMISSIONS),
                submitted_at=latest("created_at", actions=SUBMISSIONS),
                revision_number=latest("revision__number", actions=SUBMISSIONS),
            )
            .exclude(submitted_by_id=user.pk)
            .order_by("submitted_at", "number")
        )

    def sent_back_to(self, user):
        """Drafts `user` submitted whose latest event is a request for changes: one query."""
        latest = self.latest_value
        return (
            Issue.objects.filter(state=Issue.State.DRAFT)
            .annotate(
                latest_action=latest("action"),
                submitted_by_id=latest("actor", actions=SUBMISSIONS),
                sent_back_by_name=latest("actor__username"),
                sent_back_at=latest("created_at"),
                sent_back_comment=latest("comment"),
            )
            .filter(latest_action="request_changes", submitted_by_id=user.pk)
            .order_by("-sent_back_at")
        )

    def waiting_to_publish(self):
        """Approved issues, the longest waiting first, with who approved what: one query."""
        latest = self.latest_value
        approval = ("approve",)
        return (
            Issue.objects.filter(state=Issue.State.APPROVED)
            .annotate(
                approved_by_name=latest("actor__username", actions=approval),
                approved_at=latest("created_at", actions=approval),
                revision_number=latest("revision__number", actions=approval),
            )
            .order_by("approved_at", "number")
        )


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

    objects = EventQuerySet.as_manager()

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
