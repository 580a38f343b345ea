"""An admin logs in, edits a published issue in the admin, and readers see it once published."""

import pytest
from playwright.sync_api import expect

from newsletter.models import Issue
from tests.helpers.reader import public_url
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_admin(django_user_model):
    return django_user_model.objects.create_superuser(
        "admin", "admin@example.com", "demo-admin-password"
    )


def test_an_admin_edits_an_issue_and_readers_see_it_after_publication(
    page, live_server, demo_admin, make_issue
):
    issue = make_issue()
    publish(issue)

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "demo-admin-password")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/newsletter/issue/{issue.pk}/change/")
    page.fill("#id_title", "Small models, bigger ideas")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_have_count(1)

    issue.refresh_from_db()
    assert issue.title == "Small models, bigger ideas"

    # Readers still see the published revision until the edit is published.
    page.goto(f"{live_server.url}{public_url(issue)}")
    assert page.locator("h1").first.inner_text() == "Small models, big ideas"

    publish(issue)
    # The page may be cached for a few minutes (Cache-Control); a reload revalidates.
    page.reload()
    assert page.locator("h1").first.inner_text() == "Small models, bigger ideas"


def test_the_markdown_editor_previews_what_readers_will_see(
    page, live_server, demo_admin, make_issue
):
    issue = make_issue()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/newsletter/issue/{issue.pk}/change/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "demo-admin-password")
    page.click("input[type=submit]")
    editor = page.locator("textarea[name=summary]")
    editor.fill("Some **bold** words <script>window.pwned = 1</script>")
    preview = page.locator(".markdownx-preview").first
    expect(preview.locator("strong")).to_have_text("bold")
    assert preview.locator("script").count() == 0
    assert page.evaluate("window.pwned") is None
    assert Issue.objects.get(pk=issue.pk).summary == "A month of **compact** models."
