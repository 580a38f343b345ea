"""The emails a subscriber gets about their subscription (not the newsletter itself).

They are sent by the `send_subscriber_mail` task after the transaction commits, built
when they are sent (fresh signed links), through Django's mailers.
"""

from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from subscribers import links
from subscribers.models import Subscriber

CONFIRMATION = "confirmation"
ALREADY_SUBSCRIBED = "already_subscribed"
TEMPLATES = {
    CONFIRMATION: "subscribers/email/confirmation",
    ALREADY_SUBSCRIBED: "subscribers/email/already_subscribed",
}


def send_after_commit(subscriber: Subscriber, kind: str) -> None:
    from subscribers.tasks import send_subscriber_mail

    transaction.on_commit(partial(send_subscriber_mail.enqueue, subscriber.pk, kind))


def message_for(subscriber: Subscriber, kind: str) -> EmailMessage:
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "subscriber": subscriber,
        "confirmation_url": links.confirmation_url(subscriber),
        "preferences_url": links.preferences_url(subscriber),
    }
    template = TEMPLATES[kind]
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    # The address only, never the name: a name typed into a public form stays out of headers.
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [subscriber.email])


def send(subscriber_id: int, kind: str) -> int:
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:  # erased meanwhile
        return 0
    return message_for(subscriber, kind).send()
