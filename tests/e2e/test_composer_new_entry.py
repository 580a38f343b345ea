"""An editor clicks "Add another Item" and, before typing in the new item, goes on editing
elsewhere on the page, in a real browser: autosave keeps saving the rest, the blank item
stays on the page, and it becomes an item, at its place, once its title is typed."""

import pytest
from playwright.sync_api import expect

from newsletter.models import Issue, Item

pytestmark = pytest.mark.django_db(transaction=True)


def test_autosave_goes_on_while_a_new_item_is_blank(browser, live_server, editor, make_issue):
    issue = make_issue()
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/newsletter/issue/{issue.pk}/change/")
    page.fill("#id_username", "eddie")
    page.fill("#id_password", "correct horse battery")
    page.locator("input[type=submit]").click()
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
    page.wait_for_function(
        "() => document.querySelector('.composer-status').textContent"
        ".includes('All changes saved') && !document.querySelector('.composer-status')"
        ".textContent.includes('Unsaved')",
        timeout=20_000,
    )
    expect(page.locator("#id_sections-0-items-2-title")).to_have_value("A third find")
    titles = list(
        Item.objects.filter(section__issue=issue, section__position=0)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )
    assert titles == ["Fine-tuning on a laptop", "A tiny eval harness", "A third find"]
    context.close()
