"""Every page works under the Content-Security-Policy, in a real Chromium.

The browser reports each thing the policy blocks (an inline script or style without the
request's nonce, a style attribute, a script or picture from another origin, eval) as a
`securitypolicyviolation` event and a console message. The tests load the public pages
and the admin's pages, use the admin's scripts (the composer with its live preview, the
picture dialog, the markdown editor's preview, the sortable inlines, the calendar), and
assert that nothing was blocked.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image as PILImage
from playwright.sync_api import expect

from editorial.previews import WORKING, make_share_token
from newsletter.models import Image, Revision
from tests.helpers.reader import public_url
from tests.helpers.worker import wait_for
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db(transaction=True)


def png_bytes() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (40, 30), (30, 60, 120)).save(out, "PNG")
    return out.getvalue()


WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push(
        `${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
        + ` at ${e.sourceFile}:${e.lineNumber}` + (e.sample ? ` (${e.sample})` : ""));
});
"""


class Watched:
    """A page whose CSP violations (from every frame) and console CSP errors are kept."""

    def __init__(self, page, base):
        self.page = page
        self.base = base
        self.console = []
        self.visited = []
        page.context.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def goto(self, path):
        response = self.page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        assert "Content-Security-Policy" in response.headers or (
            "content-security-policy" in response.headers
        ), path
        self.page.wait_for_load_state("load")
        self.visited.append(path)
        return response

    def violations(self):
        found = list(self.console)
        for frame in self.page.frames:
            if frame.is_detached():
                continue
            found += frame.evaluate("window.__cspViolations || []")
        return found

    def assert_clean(self):
        self.page.wait_for_timeout(300)  # violations are reported asynchronously
        assert self.violations() == [], self.visited[-1:]


@pytest.fixture
def admin_login(django_user_model):
    return django_user_model.objects.create_superuser(
        "csp-admin", "csp-admin@example.com", "csp-admin-password"
    )


def log_in(watched, username, password):
    watched.goto("/admin/login/")
    watched.assert_clean()
    watched.page.fill("#id_username", username)
    watched.page.fill("#id_password", password)
    watched.page.click("input[type=submit]")
    watched.page.wait_for_url("**/admin/")


def test_public_pages_run_under_the_policy_with_nothing_blocked(page, live_server, illustrated):
    issue = illustrated()
    revision = Revision.objects.live().get(issue=issue)
    watched = Watched(page, live_server.url)
    for path in (
        "/",
        "/issues/",
        "/papers/",
        public_url(issue),
        f"/issues/{issue.number}-{revision.snapshot['issue']['slug']}/email/",
        "/search/?q=models",
        "/search/",
        "/api/docs",
        "/subscribe/",
    ):
        watched.goto(path)
        watched.assert_clean()
    # The search box and the site's script: still nothing blocked after using them.
    watched.goto("/")
    page.fill("#site-search-q", "transformer")
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/search/?q=transformer")
    watched.assert_clean()


def test_public_pages_allow_no_inline_code_and_no_other_origin(page, live_server, illustrated):
    """The policy itself: an injected inline script, style or outside script is refused."""
    issue = illustrated()
    watched = Watched(page, live_server.url)
    watched.goto(public_url(issue))
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.appendChild(script);
        const style = document.createElement("style");
        style.textContent = "body { color: red }";
        document.head.appendChild(style);
        const outside = document.createElement("script");
        outside.src = "https://cdn.example.net/x.js";
        document.body.appendChild(outside);
    }"""
    )
    expected = ("script-src", "style-src", "cdn.example.net")

    def reported():
        blocked = " ".join(watched.violations())
        return all(word in blocked for word in expected)

    # Reported as each is refused: waited for, so a slow moment is not taken for none.
    wait_for(reported, timeout=10, message=f"not all of {expected} reported")
    assert page.evaluate("window.__ran") is None


def test_admin_pages_and_their_scripts_run_under_the_policy(
    page, live_server, admin_login, illustrated, make_issue
):
    live = illustrated()
    scheduled = make_issue(number=2, title="Next month")
    publish(scheduled, at=timezone.now() + timedelta(days=3))
    draft = make_issue(number=3, title="Working on it")
    image = Image.objects.first()
    revision = Revision.objects.filter(issue=live).order_by("-number").first()
    share = make_share_token(draft, WORKING)

    watched = Watched(page, live_server.url)
    log_in(watched, "csp-admin", "csp-admin-password")
    watched.assert_clean()

    for path in (
        "/admin/",
        "/admin/newsletter/issue/",
        "/admin/newsletter/issue/?publication=live",
        "/admin/newsletter/issue/add/",
        "/admin/newsletter/issue/import/",
        "/admin/newsletter/issue/calendar/",
        f"/admin/newsletter/issue/{live.pk}/history/",
        "/admin/newsletter/image/",
        "/admin/newsletter/image/add/",
        f"/admin/newsletter/image/{image.pk}/change/",
        "/admin/newsletter/revision/",
        f"/admin/newsletter/revision/{revision.pk}/change/",
        f"/admin/preview/issues/{draft.pk}/",
        f"/admin/preview/issues/{live.pk}/revisions/{revision.number}/",
        f"/admin/preview/issues/{live.pk}/revisions/{revision.number}/diff/",
        f"/preview/{share}/",
        "/admin/auth/user/",
        "/admin/auth/group/",
        "/admin/subscribers/subscriber/",
    ):
        watched.goto(path)
        watched.assert_clean()

    # The calendar's month navigation.
    watched.goto("/admin/newsletter/issue/calendar/")
    page.locator("a", has_text="Next").first.click()
    page.wait_for_load_state("load")
    watched.assert_clean()

    # A delete confirmation page.
    watched.goto(f"/admin/newsletter/issue/{draft.pk}/delete/")
    watched.assert_clean()

    # The composer: its live preview in a frame, the markdown editor's preview, the
    # picture dialog, adding an entry to a sortable inline.
    watched.goto(f"/admin/newsletter/issue/{draft.pk}/change/")
    frame = page.locator("iframe.composer-preview-frame")
    expect(frame).to_have_attribute("data-ready", "1")
    summary = page.locator("textarea[name=summary]")
    summary.fill("Some **bold** words and a [link](https://example.com/).")
    expect(page.locator(".markdownx-preview strong").first).to_have_text("bold")
    page.locator("button.figure-insert").first.click()
    expect(page.locator("dialog.figure-dialog")).to_be_visible()
    page.locator('dialog.figure-dialog [data-tab="choose"]').click()
    page.wait_for_timeout(300)
    # A file chosen to upload is shown in the dialog before it is sent.
    page.locator('dialog.figure-dialog [data-tab="upload"]').click()
    page.locator("dialog.figure-dialog input[type=file]").set_input_files(
        files=[{"name": "chosen.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    chosen = page.locator("dialog.figure-dialog .fd-preview")
    expect(chosen).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('dialog.figure-dialog .fd-preview').naturalWidth === 40"
    )
    page.locator("dialog.figure-dialog .fd-cancel").click()
    add_links = page.locator(".djn-add-item a, a.djn-add-handler")
    if add_links.count():
        add_links.first.click()
    watched.assert_clean()
