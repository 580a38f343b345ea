"""The email edition is dated as the issue page is, by the issue's first publication: a
correction's email carries the issue's date, not the correction's go-live. A real worker
delivers to a real SMTP server."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from editorial import notifications
from editorial.workflow import perform
from sending.models import Send
from tests.helpers.worker import start_worker, wait_for
from tests.sending.conftest import approve, publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)

ISSUE_DAY = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def _done(kind):
    return Send.objects.filter(kind=kind, state=Send.State.DONE).exists()


def html_date(message_html: str) -> str:
    """The email's dateline: "Issue #1 · <date>", and " · Updated <date>" for a correction."""
    line = re.search(r'<p class="meta"[^>]*>\s*Issue #1 · ([^<]+?)\s*</p>', message_html)
    return line.group(1)


def text_date(message_text: str) -> str:
    """The plain text's dateline, and the next line when it says when it was updated."""
    first, second = message_text.splitlines()[:2]
    date = re.match(r".* · Issue #1 · (.+)", first).group(1)
    return f"{date} · {second}" if second.startswith("Updated ") else date


def test_a_corrections_email_carries_the_issues_date_not_the_corrections(
    make_issue, people, smtp_server, tmp_path
):
    subscriber("ada@example.com")
    issue = make_issue()
    publisher = Client()
    publisher.force_login(people["publisher"])
    worker = start_worker(tmp_path, **smtp_server.worker_env)
    try:
        with time_machine.travel(ISSUE_DAY, tick=False):
            publish_and_email(issue, people)  # first published, and emailed, on 14 March
        wait_for(lambda: _done(Send.Kind.ISSUE), timeout=60, message="the issue was not sent")
        approve(issue, people)
        with notifications.muted():
            perform(issue, "publish", by=people["publisher"])  # the correction, today
        publisher.post(reverse("admin:newsletter_issue_send_correction", args=[issue.pk]))
        wait_for(lambda: _done(Send.Kind.CORRECTION), timeout=60, message="no correction")
    finally:
        assert worker.stop() == 0

    # The issue's date, as its page gives it; a correction also says when it was updated.
    today = date_format(timezone.localdate(), "j F Y")
    corrected = f"14 March 2026 · Updated {today}"
    first, correction = [message for _rcpt, message, _at in smtp_server.received]
    assert correction["Subject"].startswith("Correction: ")
    for message, dateline in ((first, "14 March 2026"), (correction, corrected)):
        assert html_date(message.get_body(("html",)).get_content()) == dateline
        assert text_date(message.get_body(("plain",)).get_content()) == dateline

    # The public email edition of the live correction, and the issue page, say the same.
    reader = Client()
    slug = {"number": 1, "slug": "issue-1"}
    html = reader.get(reverse("newsletter:issue-email", kwargs=slug)).text
    text = reader.get(reverse("newsletter:issue-email-text", kwargs=slug)).text
    assert html_date(html) == text_date(text) == corrected
    page = reader.get(reverse("newsletter:issue-detail", kwargs=slug)).text
    assert "14 March 2026</time>" in page
    assert 'class="updated">Updated <time datetime="' in page and f"{today}</time>" in page
