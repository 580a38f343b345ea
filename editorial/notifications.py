"""Emails about the workflow: reviewers hear of submissions, submitters of decisions,
publishers of approvals.

`on_transition` receives `editorial.signals.transition_performed` (connected in the app's
`ready()`), sent after the transaction commits: a refused or rolled-back transition mails
nobody. It only decides who gets which email and enqueues one task a message
(`editorial.notification_tasks`), which sends it and retries with backoff when the mail
server refuses or is down: the person who made the decision never waits for, nor sees,
the mail server.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from editorial.models import Event

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


# action -> the emails it sends, each (template, audience): the templates are
# email/<template>.txt and email/<template>_subject.txt, the audiences are in AUDIENCES.
# Nobody is mailed about their own action, and nobody gets two messages about one event:
# the first email in the list that names them is the one they get.
NOTIFIED = {
    "submit": (("submitted", "reviewers"),),
    "restore": (("submitted", "reviewers"),),
    "approve": (("approved", "submitter"), ("ready_to_publish", "publishers")),
    "request_changes": (("changes_requested", "submitter"),),
}


def holders_of(permission: str):
    """Active users with an email address who hold `permission` ("app_label.codename")."""
    app_label, codename = permission.split(".")
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label,
            )
            | Q(
                user_permissions__codename=codename,
                user_permissions__content_type__app_label=app_label,
            )
        )
        .exclude(email="")
        .distinct()
    )


def reviewers():
    return holders_of("editorial.review_issue")


def publishers():
    return holders_of("editorial.publish_issue")


def _submitter(event) -> list:
    submission = Event.objects.latest_submission(event.issue)
    person = submission.actor if submission else None
    return [person] if person is not None and person.email else []


AUDIENCES = {
    "reviewers": lambda event: reviewers(),
    "publishers": lambda event: publishers(),
    "submitter": _submitter,
}


def recipients_for(event, audience: str | None = None) -> list[str]:
    """The addresses `audience` (by default the event's first email's) has, less the actor's."""
    if audience is None:
        emails = NOTIFIED.get(event.action, ())
        if not emails:
            return []
        audience = emails[0][1]
    return sorted({u.email for u in AUDIENCES[audience](event) if u != event.actor})


def planned(event) -> list[tuple[str, str]]:
    """The (template, address) of each message an event calls for: one message a person."""
    planned, mailed = [], set()
    for template, audience in NOTIFIED.get(event.action, ()):
        to = [address for address in recipients_for(event, audience) if address not in mailed]
        mailed.update(to)
        planned += [(template, address) for address in to]
    return planned


def message_for(event, template: str, address: str) -> EmailMessage:
    context = {
        "event": event,
        "issue": event.issue,
        "site_name": settings.SITE_NAME,
        "admin_url": settings.SITE_URL
        + reverse("admin:newsletter_issue_change", args=(event.issue_id,)),
    }
    # Plain text on one line: a header cannot hold a line break (nor an HTML entity).
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())
    body = render_to_string(f"email/{template}.txt", context)
    # One message per person: recipients do not see each other's addresses.
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])


def on_transition(sender, *, event, **kwargs) -> None:
    """The receiver of `transition_performed`: enqueue the emails the event calls for.

    The transition has committed: a queue that cannot be reached is logged and never
    reaches the person who made the decision.
    """
    if is_muted():
        return
    from editorial.notification_tasks import send_notification

    try:
        for template, address in planned(event):
            send_notification.enqueue(event.pk, template, address)
    except Exception:
        logger.exception("Could not queue the %s emails for %s", event.action, event.issue)
