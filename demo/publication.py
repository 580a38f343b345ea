"""Run an issue through the whole workflow in one go: for the demo loader, bench data and tests."""

from contextlib import nullcontext

from django.utils import timezone

from editorial import notifications
from editorial.workflow import perform
from newsletter.models import Issue, Revision


def walk_to_publication(
    issue: Issue, *, editor, reviewer, publisher, at=None, notify: bool = False
) -> Revision:
    """Submit, approve, then publish now (or schedule at a future `at`) through `perform`.

    Loaders make many issues at once: by default nobody is emailed about them.
    """
    with nullcontext() if notify else notifications.muted():
        perform(issue, "submit", by=editor)
        perform(issue, "approve", by=reviewer)
        if at is not None and at > timezone.now():
            return perform(issue, "schedule", by=publisher, at=at).revision
        return perform(issue, "publish", by=publisher).revision
