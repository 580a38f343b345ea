"""The composer tells the truth about what is saved, whatever the page it is on. In a real
Chromium: a workflow action from the panel above the form leaves the page without asking about
unsaved changes (there are none), while an edit not yet saved still asks, even one typed before
the page had finished loading; Back to an issue left with an unsaved edit shows what is saved
(the browser does not put the old edit back to be autosaved over a newer save); a read-only
issue page lists its sections and entries by their titles; a save refused because someone else
saved first says it is not saved, and leaving that page asks first.
"""

import pytest
from playwright.sync_api import expect

from editorial.roles import EDITORS, REVIEWERS
from newsletter.models import Issue
from tests.e2e.conftest import dialogs_on_leaving
from tests.helpers.workflow import log_in, role_user

pytestmark = pytest.mark.django_db(transaction=True)


def dialogs_of(page):
    seen = []

    def answer(dialog):
        seen.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    return seen


def editing(page, live_server, make_issue):
    """A new draft open in the composer for an editor, all saved: the issue and its path."""
    issue = make_issue()
    role_user("eddie", EDITORS)
    path = f"/admin/newsletter/issue/{issue.pk}/change/"
    log_in(page, live_server.url, "eddie", path)
    expect(page.locator(".composer-status")).to_contain_text("All changes saved")
    return issue, path


def test_a_workflow_action_leaves_the_composer_without_asking_unless_an_edit_is_unsaved(
    page, live_server, make_issue
):
    issue, _ = editing(page, live_server, make_issue)
    asked = dialogs_of(page)

    # A share link, then "Submit for review" with a comment: nothing typed in the issue.
    page.get_by_role("button", name="Create share link").click()
    expect(page.locator(".messagelist")).to_contain_text("Anyone with this link")
    page.fill("#workflow-submit-comment", "Ready for a look.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("submitted for review")
    assert asked == []
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.IN_REVIEW

    # Back in draft, a title typed and not yet saved: leaving for an action asks first.
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator(".messagelist")).to_contain_text("draft again")
    assert asked == []
    page.fill("#id_title", "Not saved yet")
    with page.expect_event("dialog"):
        page.get_by_role("button", name="Create share link").click()
    assert asked == ["beforeunload"]


def test_an_edit_typed_while_the_page_is_still_loading_counts_as_unsaved(
    page, live_server, make_issue
):
    issue, path = editing(page, live_server, make_issue)

    # The form is on screen before the page has finished loading (a deferred script is
    # still on its way) and before the composer listens for edits: the editor types then.
    held = []
    page.route("**/nav_sidebar*.js", lambda route: held.append(route))
    page.goto(live_server.url + path, wait_until="commit")
    page.locator("#id_title").fill("Typed before the page had loaded")
    assert page.locator(".composer-status").count() == 0  # the composer has not started
    assert len(held) == 1
    held[0].continue_()

    status = page.locator(".composer-status")
    expect(status).to_contain_text("Unsaved changes")
    expect(status).to_contain_text("All changes saved", timeout=20_000)  # then autosaved
    assert Issue.objects.get(pk=issue.pk).title == "Typed before the page had loaded"


def test_back_on_an_issue_left_unsaved_shows_what_is_saved_and_saves_nothing_over_it(
    page, live_server, make_issue
):
    issue, path = editing(page, live_server, make_issue)
    status = page.locator(".composer-status")

    # A title typed and left unsaved ("Leave" in the browser's dialog) ...
    page.fill("#id_title", "Typed, then left")
    assert dialogs_on_leaving(page, leave=True) == ["beforeunload"]
    # ... someone else saves the issue meanwhile ...
    other = page.context.new_page()
    other.goto(live_server.url + path)
    other.fill("#id_title", "Saved by someone else")
    other.locator("input[name=_continue]").first.click()
    expect(other.locator(".messagelist .success")).to_have_count(1)
    other.close()

    # ... and Back: the page shows what is saved, not the browser's copy of what was typed
    # (which the composer would take for an edit and autosave over the other's save).
    page.go_back()
    page.wait_for_url(f"**{path}")
    expect(page.locator("#id_title")).to_have_value("Saved by someone else")
    expect(status).to_contain_text("All changes saved")
    page.wait_for_load_state("networkidle")
    assert Issue.objects.get(pk=issue.pk).title == "Saved by someone else"


def test_a_read_only_issue_page_lists_its_sections_and_entries_by_title(
    page, live_server, make_issue
):
    issue = make_issue()  # a draft: a reviewer may read it, not change it
    role_user("rita", REVIEWERS)
    log_in(page, live_server.url, "rita", f"/admin/newsletter/issue/{issue.pk}/change/")
    contents = page.locator(".composer-toc-list")
    expect(contents).to_contain_text("Papers & research")
    labels = [text.strip() for text in contents.locator("button").all_inner_texts()]
    assert labels == [
        "My work",
        "ITEMFine-tuning on a laptop",
        "ITEMA tiny eval harness",
        "Papers & research",
        "PAPERAttention Is All You Need",
    ], labels


def test_a_save_refused_as_stale_says_it_is_not_saved_and_leaving_asks(
    page, live_server, make_issue
):
    issue, path = editing(page, live_server, make_issue)
    other = page.context.new_page()
    other.goto(live_server.url + path)

    # Someone saves in the other tab; this one, opened before, saves its own change.
    other.fill("#id_title", "Saved first")
    other.locator("input[name=_continue]").first.click()
    expect(other.locator(".messagelist .success")).to_have_count(1)
    page.fill("#id_summary", "Typed here, refused.")
    page.locator("input[name=_continue]").first.click()
    expect(page.locator(".errornote")).to_be_visible()

    status = page.locator(".composer-status")
    expect(status).to_contain_text("Not saved")
    expect(status).not_to_contain_text("All changes saved")
    expect(page.locator("#id_summary")).to_have_value("Typed here, refused.")
    assert dialogs_on_leaving(page) == ["beforeunload"]
    assert Issue.objects.get(pk=issue.pk).summary != "Typed here, refused."
    other.close()
