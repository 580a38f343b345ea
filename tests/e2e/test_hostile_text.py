"""Hostile text runs nothing in a real Chromium: no dialog, no script the policy had to stop.

An issue whose every field holds a slice of the XSS corpus (through the admin's forms,
published through the workflow) is opened on the public pages, in search, in the email
edition and in the admin's composer, previews and diff. Chromium reports any `alert`,
`confirm` or `prompt` as a dialog, and any script, handler or `javascript:` URL that the
Content-Security-Policy blocked as a violation: a blocked script is one the escaping let
through, so both must stay empty.
"""

import pytest
from django.urls import reverse

from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS
from editorial.workflow import perform
from newsletter.models import Issue, Revision
from tests.e2e.test_content_security_policy import Watched, log_in
from tests.helpers.workflow import role_user
from tests.hostile.corpus import VECTORS
from tests.hostile.site import Refusals, fill, skeleton, title_refusals, titles

pytestmark = pytest.mark.django_db(transaction=True)

# Every tenth vector: each family of the corpus is in the slice.
SLICE = VECTORS[::10]


def assert_ran_nothing(watched):
    """No violation but pictures from other sites, which the policy blocks by design."""
    watched.page.wait_for_timeout(300)  # violations are reported asynchronously
    found = [v for v in watched.violations() if "img-src" not in v and "the image" not in v]
    assert found == [], watched.visited[-1:]
    watched.console.clear()


def test_hostile_text_raises_no_dialog_and_no_blocked_script(page, live_server, django_user_model):
    editor = role_user("e2e-hostile-editor", EDITORS)
    reviewer = role_user("e2e-hostile-reviewer", REVIEWERS)
    publisher = role_user("e2e-hostile-publisher", PUBLISHERS)
    refusals = Refusals()
    issue = skeleton(1, len(SLICE), tag="hostile")
    run = titles(title_refusals(SLICE, refusals))[0]
    fill(issue, SLICE, title_run=run, refusals=refusals, uploaded_by=editor, seed=30_000)
    issue = Issue.objects.get(pk=issue.pk)
    perform(issue, "submit", by=editor)
    perform(issue, "approve", by=reviewer)
    perform(issue, "publish", by=publisher)
    revision = Revision.objects.live().get(issue=issue)
    django_user_model.objects.create_superuser("e2e-root", "root@example.com", "root-password")

    page.set_default_timeout(60_000)  # the composer of a long issue, on a loaded machine
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    watched = Watched(page, live_server.url)
    slug = revision.content.issue.slug
    public = [
        "/",
        revision.get_absolute_url(),
        f"/issues/1-{slug}/email/",
        "/papers/",
        "/search/?q=alert",
        "/search/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ]
    for path in public:
        watched.goto(path)
        assert_ran_nothing(watched)
    log_in(watched, "e2e-root", "root-password")
    for path in (
        reverse("admin:newsletter_issue_change", args=[issue.pk]),
        reverse("editorial:preview-revision", args=[issue.pk, revision.number]),
        reverse("editorial:preview-working-copy", args=[issue.pk]),
        reverse("admin:newsletter_issue_changelist"),
        reverse("admin:newsletter_issue_calendar"),
    ):
        watched.goto(path)
        # Moving over the page gives mouseover handlers their chance.
        for x, y in ((200, 200), (640, 450), (900, 700)):
            page.mouse.move(x, y)
        assert_ran_nothing(watched)
    assert dialogs == []
