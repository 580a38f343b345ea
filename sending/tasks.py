"""The background tasks of a send (django.tasks): start it at go-live, deliver its rows."""

from django.tasks import task

from sending import delivery, sends


@task
def start_send(send_id: int) -> str:
    """At go-live: check the revision is live, write the ledger, hand it to `deliver`."""
    return sends.start(send_id)


@task
def deliver(send_id: int) -> dict:
    done = delivery.deliver_send(send_id)
    again_at = done.pop("again_at")
    if again_at is not None:
        sends.enqueue(deliver, send_id, at=again_at)
    return done
