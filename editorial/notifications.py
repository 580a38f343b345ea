"""Emails about the workflow: reviewers hear of submissions, submitters of decisions.

`on_transition` receives `editorial.signals.transition_performed` (connected in the app's
`ready()`), sent after the transaction commits: a refused or rolled-back transition mails
nobody.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from editorial.models import SUBMISSIONS, Event

logger = logging.getLogger(__name__)
_muted: ContextVar[bool] = ContextVar("editorial_notifications_muted", default=False)


@contextmanager
def muted():
    """Transitions performed inside send no email (demo and bench data loaders)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    return _muted.get()


# action -> the email templates it sends (email/<name>.txt and <name>_subject.txt)
NOTIFIED = {
    "submit": "submitted",
    "restore": "submitted",
    "approve": "approved",
    "request_changes": "changes_requested",
}


def reviewers():
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="review_issue")
            | Q(user_permissions__codename="review_issue")
        )
        .exclude(email="")
        .distinct()
    )


def recipients_for(event) -> list[str]:
    if event.action in SUBMISSIONS:
        return sorted({u.email for u in reviewers() if u != event.actor})
    submission = Event.objects.latest_submission(event.issue)
    person = submission.actor if submission else None
    if person is None or not person.email or person == event.actor:
        return []
    return [person.email]


def send_for(event) -> int:
    """Send the email an event calls for, if any; return how many messages went out."""
    template = NOTIFIED.get(event.action)
    if template is None:
        return 0
    to = recipients_for(event)
    if not to:
        return 0
    context = {
        "event": event,
        "issue": event.issue,
        "site_name": settings.SITE_NAME,
        "admin_url": settings.SITE_URL
        + reverse("admin:newsletter_issue_change", args=(event.issue_id,)),
    }
    subject = render_to_string(f"email/{template}_subject.txt", context).strip()
    body = render_to_string(f"email/{template}.txt", context)
    # One message per person: reviewers do not see each other's addresses.
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in to]
    try:
        return send_mass_mail(messages)
    except OSError:
        # A mail server being down must not undo an editorial decision already made.
        logger.exception("Could not send the %s email for %s", event.action, event.issue)
        return 0


def on_transition(sender, *, event, **kwargs) -> None:
    """The receiver of `transition_performed`: mail whoever the event concerns, unless muted."""
    if not is_muted():
        send_for(event)
