"""Background work of the subscribers app, on Django's Tasks framework."""

from django.tasks import task

from subscribers import mail


@task()
def send_subscriber_mail(subscriber_id: int, kind: str) -> int:
    """Send a subscription email (confirmation, or already subscribed); return messages sent."""
    return mail.send(subscriber_id, kind)
