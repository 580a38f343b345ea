"""An editor clicks "Add another Item" and, before typing in the new item, goes on editing
elsewhere on the page, in a real browser: autosave keeps saving the rest, the blank item
stays on the page, and it becomes an item, at its place, once its title is typed."""

import pytest
from playwright.sync_api import expect

from newsletter.models import Issue, Item
from tests.e2e.conftest import logged_in_page
from tests.helpers.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_autosave_goes_on_while_a_new_item_is_blank(browser, live_server, editor, make_issue):
    issue = make_issue()
    page = logged_in_page(
        browser,
        live_server,
        f"/admin/newsletter/issue/{issue.pk}/change/",
        viewport={"width": 1440, "height": 1000},
    )
    status = page.locator(".composer-status")
    expect(status).to_contain_text("All changes saved")

    # "My work" holds two items: the new one is third, given its place and nothing else.
    group = page.locator("#sections-0-items-group")
    group.locator("a.djn-add-handler.djn-model-newsletter-item").last.click()
    expect(page.locator("#id_sections-0-items-2-title")).to_be_visible()
    page.locator("#id_summary").press_sequentially("Written with a blank item below. ")

    expect(status).to_contain_text("All changes saved", timeout=20_000)
    assert "Not saved yet" not in status.inner_text()
    assert Issue.objects.get(pk=issue.pk).summary.startswith("Written with a blank item below.")
    assert Item.objects.filter(section__issue=issue).count() == 2
    expect(page.locator("#id_sections-0-items-2-title")).to_be_visible()  # still there

    page.locator("#id_sections-0-items-2-title").press_sequentially("A third find")
    # Saved, then the page reloads to number its forms afresh.
    wait_for(
        lambda: Item.objects.filter(section__issue=issue, title="A third find").exists(),
        timeout=20,
        message="the new item was not saved",
    )
    expect(page.locator("#id_sections-0-items-2-title")).to_have_value("A third find")
    titles = list(
        Item.objects.filter(section__issue=issue, section__position=0)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )
    assert titles == ["Fine-tuning on a laptop", "A tiny eval harness", "A third find"]
    page.context.close()
