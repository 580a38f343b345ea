"""A real SMTP server on loopback (aiosmtpd) that records what it accepted and when, and
issues that reach the subscribers through the workflow."""

import socket
import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from editorial import notifications
from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS
from editorial.workflow import perform
from subscribers.models import Subscriber
from tests.helpers.workflow import role_user


class Server:
    """What the server accepted: (recipients, parsed message, time), in order. Addresses in
    `refuse` get a permanent 550 at RCPT, those in `defer` a transient 451, and the first
    `greylist_first` RCPTs of all a 451 too (`rcpt_count` counts them); `delay` slows each
    DATA (to kill a worker mid-send). `raw` keeps each message's bytes as received."""

    def __init__(self):
        self.received = []
        self.raw: list[bytes] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.greylist_first = 0
        self.rcpt_count = 0
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpt_count += 1
        if self.rcpt_count <= self.greylist_first:
            return "451 4.7.1 Greylisted, try again later"
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if address in self.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            time.sleep(self.delay)  # blocks the server's loop: one message at a time
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message, timezone.now()))
            self.raw.append(envelope.original_content)
        return "250 OK"

    def to(self, address):
        with self._lock:
            return [m for rcpt, m, _at in self.received if address in rcpt]

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def recipients(self) -> list[str]:
        with self._lock:
            return [address for rcpt, _m, _at in self.received for address in rcpt]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """The server, with this process's mail (the immediate backend's) pointed at it too."""
    server = Server()
    controller = Controller(server, hostname="127.0.0.1", port=_free_port())
    controller.start()
    server.port = controller.port
    server.worker_env = {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(controller.port),
        "DEFAULT_FROM_EMAIL": "news@example.com",
        "SITE_URL": "https://news.example.com",
    }
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "news@example.com"
    settings.SITE_URL = "https://news.example.com"
    try:
        yield server
    finally:
        controller.stop()


def subscriber(email, *, status=Subscriber.Status.CONFIRMED, name=""):
    return Subscriber.objects.create(
        email=email,
        name=name,
        status=status,
        confirmed_at=timezone.now() if status == Subscriber.Status.CONFIRMED else None,
    )


@pytest.fixture
def people(db):
    return {
        "editor": role_user("send-editor", EDITORS),
        "reviewer": role_user("send-reviewer", REVIEWERS),
        "publisher": role_user("send-publisher", PUBLISHERS),
    }


def approve(issue, people):
    """Submit and approve, with the workflow's own emails muted: the server sees only sends."""
    with notifications.muted():
        perform(issue, "submit", by=people["editor"])
        perform(issue, "approve", by=people["reviewer"])


def publish_and_email(issue, people, *, at=None):
    approve(issue, people)
    with notifications.muted():
        if at is not None:
            return perform(issue, "schedule", by=people["publisher"], at=at, email_subscribers=True)
        return perform(issue, "publish", by=people["publisher"], email_subscribers=True)
