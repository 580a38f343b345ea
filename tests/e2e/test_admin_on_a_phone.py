"""The admin's issue page fits a phone: at 390 px nothing makes the page scroll sideways,
for the editor (the composer), the reviewer and the publisher (the workflow panel), nor on
the publication calendar; the workflow panel's controls keep their shape at every width."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from editorial.workflow import perform
from newsletter.models import Issue
from sending.models import Send

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORDS = {
    "editor": "demo-editor-2026",
    "reviewer": "demo-reviewer-2026",
    "publisher": "demo-publisher-2026",
}
SHOTS = os.environ.get("ADMIN_PHONE_SHOTS")  # a folder to keep the screenshots in

# What sticks out past the right edge of the viewport, for the failure message.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    const parent = el.parentElement.getBoundingClientRect();
    // Only where it starts: an element sticking out of a parent that does not.
    if (box.width && box.right > width + 1 && parent.right <= width + 1) {
      const classes = typeof el.className === 'string' ? el.className.trim() : '';
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
               `${classes ? '.' + classes.split(/\\s+/).join('.') : ''}` +
               ` right=${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 15)};
}"""


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # seed_demo refuses to run on a production configuration
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


def issue_page(browser, live_server, username, issue, width, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)
    page.goto(f"{live_server.url}/admin/newsletter/issue/{issue.pk}/change/")
    expect(page.locator(".workflow-panel")).to_be_visible()
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"issue-{username}-{width}.png"), full_page=True)
    return page


@pytest.mark.parametrize(
    ("username", "width"),
    [("editor", 390), ("reviewer", 390), ("publisher", 390), ("editor", 1280)],
)
def test_the_issue_page_never_scrolls_sideways(
    browser, live_server, demo, tmp_path, username, width
):
    issue = Issue.objects.order_by("-number").first()
    if username != "editor":  # the reviewer and the publisher act on a revision
        users = {user.username: user for user in get_user_model().objects.all()}
        perform(issue, "submit", by=users["editor"])
        if username == "publisher":
            perform(issue, "approve", by=users["reviewer"])

    page = issue_page(browser, live_server, username, issue, width, tmp_path)

    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], found
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_publishers_email_box_sits_at_the_start_of_its_label(
    browser, live_server, demo, tmp_path, width
):
    """The "Also email subscribers" checkbox is a box beside its words, not a field as wide
    as the panel with the box alone in its middle, a line above the words it ticks."""
    issue = Issue.objects.order_by("-number").first()
    users = {user.username: user for user in get_user_model().objects.all()}
    perform(issue, "submit", by=users["editor"])
    perform(issue, "approve", by=users["reviewer"])

    page = issue_page(browser, live_server, "publisher", issue, width, tmp_path)

    for action in ("publish", "schedule"):
        box = page.locator(f"#workflow-{action}-email").bounding_box()
        label = page.locator(f"label[for=workflow-{action}-email]").bounding_box()
        assert box["width"] < 30, (action, box)
        assert box["x"] + box["width"] <= label["x"], (action, box, label)
        # On the label's first line: the two overlap vertically.
        assert box["y"] < label["y"] + label["height"] and label["y"] < box["y"] + box["height"]
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_email_the_correction_button_is_as_wide_as_its_words(
    browser, live_server, demo, tmp_path, width
):
    """On a live correction of an emailed issue, "Email the correction…" is a button the
    size of its words at the start of its box, as the panel's other buttons are, not a bar
    across the whole box."""
    issue = Issue.objects.order_by("-number").first()
    emailed = issue.revisions.get()
    Send.objects.create(
        issue=issue, revision=emailed, state=Send.State.DONE, go_live_at=emailed.go_live_at
    )
    users = {user.username: user for user in get_user_model().objects.all()}
    perform(issue, "submit", by=users["editor"])
    perform(issue, "approve", by=users["reviewer"])
    perform(issue, "publish", by=users["publisher"])

    page = issue_page(browser, live_server, "publisher", issue, width, tmp_path)

    button = page.get_by_role("link", name="Email the correction…")
    box = page.locator(".workflow-action-send-correction")
    words = button.evaluate(
        "a => { const r = document.createRange(); r.selectNodeContents(a);"
        " return r.getBoundingClientRect().width; }"
    )
    assert button.bounding_box()["width"] < words + 40, (button.bounding_box(), words)
    assert button.bounding_box()["width"] < box.bounding_box()["width"] / 2 + 100
    page.context.close()


def test_the_publication_calendar_never_scrolls_sideways(browser, live_server, demo):
    """A day's table is wider than a phone (time, issue, revision, what happens, status): it
    scrolls within its own region, which the keyboard can reach, and the page does not."""
    issue = Issue.objects.order_by("-number").first()
    users = {user.username: user for user in get_user_model().objects.all()}
    perform(issue, "submit", by=users["editor"])
    perform(issue, "approve", by=users["reviewer"])
    perform(issue, "schedule", by=users["publisher"], at=timezone.now() + timedelta(minutes=5))

    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "publisher")
    page.fill("#id_password", PASSWORDS["publisher"])
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}{reverse('admin:newsletter_issue_calendar')}")
    expect(page.locator(".calendar-status-scheduled")).to_be_visible()

    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], found
    region = page.locator(".calendar-table").first
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("role") == "region" and region.get_attribute("aria-label")
    context.close()
