"""A real SMTP server on loopback (aiosmtpd), and Django's mail pointed at it."""

import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """What the server received: parsed messages, in order."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        with self._lock:
            return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    """Start an SMTP server on 127.0.0.1 and send every Django email through it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    # The subscription emails are tasks: run them where they are enqueued, so a test sees
    # what a worker would send (the worker itself is tested with the sending of issues).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    try:
        yield inbox
    finally:
        controller.stop()
