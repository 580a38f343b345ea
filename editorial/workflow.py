"""The only code that changes a revision's publication interval.

The foundation ships one entry point, `publish`, used by the demo loader; the review
workflow (transition table, roles, `perform`) replaces it.
"""

from django.db import transaction
from django.utils import timezone

from newsletter.models import Issue, Revision
from newsletter.revisions import freeze


@transaction.atomic
def publish(issue: Issue, *, by, at=None) -> Revision:
    """Freeze the working copy and make it live at `at` (now by default).

    The revision live at that moment, if any, ends where the new one begins; a revision
    scheduled for later still goes live at its time and ends the new one then.
    """
    at = at or timezone.now()
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    revision = freeze(issue, by=by)
    current = Revision.objects.live(at=at).filter(issue=issue).first()
    if current is not None:
        current.ends_at = at
        current.save(update_fields=["ends_at"])
    following = (
        Revision.objects.filter(issue=issue, go_live_at__gt=at).order_by("go_live_at").first()
    )
    revision.go_live_at = at
    revision.ends_at = following.go_live_at if following else None
    revision.save(update_fields=["go_live_at", "ends_at"])
    issue.state = Issue.State.DRAFT
    issue.save(update_fields=["state"])
    return revision
