"""One issue through the whole workflow in a real browser, with the demo users.

The editor drafts and submits, the reviewer asks for changes, the editor fixes and
resubmits, the reviewer approves, the publisher schedules it, and once the clock
reaches that second a reader sees the issue. With UPDATE_SCREENSHOTS=1 the test
saves the screenshots that README.md shows under docs/workflow/.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from editorial import sitetime
from newsletter.models import Issue
from subscribers.models import Subscriber

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "workflow"
PASSWORDS = {
    "editor": "demo-editor-2026",
    "reviewer": "demo-reviewer-2026",
    "publisher": "demo-publisher-2026",
}


@pytest.fixture
def shots(tmp_path):
    folder = DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name, locator=None):
        target = page.locator(locator) if locator else page
        target.screenshot(path=str(folder / f"{name}.png"))
        assert (folder / f"{name}.png").stat().st_size > 1000

    return shoot


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # seed_demo refuses to run on a production configuration
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)
    return page


def act(page, action, *, comment="", at=None, email=None, confirm=True):
    """Fill in and press one button of the workflow panel. Publish and schedule first show
    a confirmation, saying `email` (what the subscribers get); `confirm` presses its button."""
    form = page.locator(f"form.workflow-action-{action}")
    if comment:
        form.locator("textarea[name=comment]").fill(comment)
    if at is not None:
        form.locator("input[name=at]").fill(at)
    if action in ("publish", "schedule"):
        form.locator("input[name=email_subscribers]").set_checked(
            bool(email and "No email" not in email)
        )
    form.locator("button[type=submit]").click()
    if email is not None:
        expect(page.locator(".confirm-publication-email")).to_have_text(email)
        if not confirm:
            return
        page.locator(".confirm-publication button[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_have_count(1)


def test_an_issue_goes_from_draft_to_a_reader_through_review_and_a_schedule(
    browser, live_server, demo, shots
):
    # The editor drafts a new issue and submits it.
    editor = log_in(browser, live_server, "editor")
    editor.goto(f"{live_server.url}/admin/newsletter/issue/add/")
    editor.locator("#id_title").press_sequentially("Tiny models, long contexts")
    expect(editor.locator("#id_slug")).to_have_value("tiny-models-long-contexts")
    editor.fill("textarea[name=summary]", "What fits in a **small** model this month.")
    editor.click("input[name=_continue]")
    expect(editor.locator(".messagelist .success")).to_have_count(1)
    issue = Issue.objects.get(slug="tiny-models-long-contexts")
    issue_url = f"{live_server.url}/admin/newsletter/issue/{issue.pk}/change/"
    shots(editor, "1-editor-drafts", ".workflow-panel")
    act(editor, "submit")
    expect(editor.locator(".workflow-state")).to_have_text("In review")

    # The reviewer finds it in the queue and sends it back with a reason.
    reviewer = log_in(browser, live_server, "reviewer")
    expect(reviewer.locator("body")).to_contain_text("Tiny models, long contexts")
    shots(reviewer, "2-review-queue", "#content")
    reviewer.goto(issue_url)
    # A first version has nothing before it: its diff shows all of it as added.
    reviewer.locator("form.workflow-action-approve a.workflow-diff-link").click()
    expect(reviewer.locator(".comparison-intro")).to_contain_text("first version of this issue")
    expect(reviewer.locator("ins", has_text="Tiny models, long contexts")).to_be_visible()
    shots(reviewer, "4-diff-first-version", "#content")
    reviewer.goto(issue_url)
    act(reviewer, "request_changes", comment="Say which context length you measured.")

    # The editor sees why, fixes the summary and submits again.
    editor.goto(issue_url)
    expect(editor.locator(".workflow-sent-back")).to_contain_text("Say which context length")
    shots(editor, "3-sent-back", ".workflow-panel")
    editor.fill("textarea[name=summary]", "What fits in a **small** model at 32k tokens.")
    editor.click("input[name=_continue]")
    expect(editor.locator(".messagelist .success")).to_have_count(1)
    act(editor, "submit")

    # The reviewer reads what changed, then approves.
    reviewer.goto(issue_url)
    reviewer.locator("form.workflow-action-approve a.workflow-diff-link").click()
    expect(reviewer.locator("ins").first).to_be_visible()
    shots(reviewer, "4-diff-before-approval", "#content")
    reviewer.goto(issue_url)
    act(reviewer, "approve")

    # The publisher schedules it for a moment, to the second, in the site's time zone.
    go_live = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    # Its confirmation says whether the subscribers get it by email; unticked, nobody does.
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n}@example.com", status="confirmed") for n in range(3)
    )
    when = sitetime.describe(go_live)
    publisher = log_in(browser, live_server, "publisher")
    publisher.goto(issue_url)
    at = sitetime.to_input_value(go_live, seconds=True)
    emailed = (
        f"3 subscribers will get it by email at {when} "
        "(counted now: whoever is subscribed then gets it)."
    )
    act(publisher, "schedule", at=at, email=emailed, confirm=False)
    shots(publisher, "5-confirm-schedule", "#content")
    publisher.get_by_role("link", name="No, go back").click()
    act(
        publisher,
        "schedule",
        at=at,
        email="No email will be sent: subscribers will not get this issue by email.",
    )
    expect(publisher.locator(".messagelist .success")).to_contain_text("No email will be sent")
    expect(publisher.locator(".workflow-scheduled")).to_contain_text("goes live")
    shots(publisher, "5-scheduled", ".workflow-panel")

    # A reader sees nothing until that second, and the issue from then on, with no job run.
    reader = browser.new_context().new_page()
    public_url = f"{live_server.url}/issues/{issue.number}-tiny-models-long-contexts/"
    with time_machine.travel(go_live - timedelta(seconds=1), tick=False):
        assert reader.goto(public_url).status == 404
    with time_machine.travel(go_live, tick=False):
        assert reader.goto(public_url).status == 200
        expect(reader.locator("h1")).to_have_text("Tiny models, long contexts")
        expect(reader.locator("main")).to_contain_text("32k tokens")
    for page in (editor, reviewer, publisher, reader):
        page.context.close()
