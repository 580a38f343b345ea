"""The composer's preview follows the entry being edited without moving the editor's page.

In a real Chromium, on an issue long enough to scroll: focusing an entry scrolls the
preview beside the form to that entry's heading, and the page stays where the editor put
it, so the click that focused a button (Collapse) lands on that button.
"""

import pytest
from playwright.sync_api import expect

from editorial.roles import EDITORS
from newsletter.models import Item, Section
from tests.helpers.workflow import log_in, role_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_focusing_an_entry_scrolls_the_preview_to_it_and_never_the_page(
    page, live_server, make_issue
):
    issue = make_issue()
    section = Section.objects.create(issue=issue, title="From the internet", position=2)
    for n in range(8):
        Item.objects.create(
            section=section,
            title=f"Link number {n}",
            body="A paragraph of commentary on the link. " * 12,
            position=n,
        )
    role_user("eddie", EDITORS)
    log_in(page, live_server.url, "eddie", f"/admin/newsletter/issue/{issue.pk}/change/")
    preview = page.frame_locator("iframe.composer-preview-frame")
    expect(preview.locator("h3", has_text="Link number 6")).to_have_count(1, timeout=20_000)

    collapse = page.locator("#sections-2-items-6 button.composer-collapse")
    collapse.scroll_into_view_if_needed()
    page_y = page.evaluate("window.scrollY")
    assert page_y > 0  # the issue is longer than the window

    collapse.click()

    expect(collapse).to_have_text("Expand")  # the first click collapsed it
    assert page.evaluate("window.scrollY") == page_y
    heading_top = page.locator("iframe.composer-preview-frame").evaluate(
        """frame => [...frame.contentDocument.querySelectorAll('h3')]
            .find(h => h.textContent.trim() === 'Link number 6').getBoundingClientRect().top"""
    )
    assert abs(heading_top) < 2  # the preview shows the entry's heading at its top
