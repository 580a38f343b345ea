"""Background work of staff accounts, on Django's Tasks framework."""

from django.tasks import task

from accounts.password_reset import send_reset_mail


@task()
def send_password_reset(email: str) -> None:
    """Write and send the reset mail: in a worker, so the form answers in the same time
    whether or not the address has an account."""
    send_reset_mail(email)
