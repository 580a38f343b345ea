"""Approve, publish and schedule act on the revision the person was shown, or not at all.

A reviewer reads revision N; meanwhile its editor withdraws, edits and resubmits it as
N + 1. The reviewer's click must not approve text nobody reviewed, nor a publisher's click
publish it: the workflow panel's forms carry the revision (and the issue's version) they
show, and `perform` refuses any other.
"""

import html as html_lib
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from editorial.models import Event
from editorial.workflow import TransitionNotAllowed, perform
from newsletter.models import Issue, Revision

pytestmark = pytest.mark.django_db


def change_url(issue):
    return reverse("admin:newsletter_issue_change", args=[issue.pk])


def open_page(user, issue) -> tuple[Client, str]:
    """A browser of `user`'s with the issue page open."""
    browser = Client()
    browser.force_login(user)
    response = browser.get(change_url(issue))
    assert response.status_code == 200
    return browser, response.text


def form_of(page: str, action: str) -> tuple[str, dict]:
    """The URL and the hidden fields of the workflow panel's form for `action`."""
    match = re.search(
        r'<form method="post" action="([^"]*/(?:transition|confirm)/' + action + r'/)"(.*?)</form>',
        page,
        re.S,
    )
    assert match, f"no {action} form on the page"
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', match.group(2))
    )
    return html_lib.unescape(match.group(1)), fields


def click(browser, page, action, **typed):
    """Post the form for `action` as the page shows it, with what the person typed."""
    url, fields = form_of(page, action)
    response = browser.post(url, {**fields, **typed})
    if response.status_code == 200:  # publish and schedule: the confirmation, then its button
        confirmation = re.search(
            r'<form method="post" action="([^"]*/transition/' + action + r'/)"(.*?)</form>',
            response.text,
            re.S,
        )
        assert confirmation, f"no {action} confirmation"
        fields = dict(
            re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirmation.group(2)
            )
        )
        response = browser.post(html_lib.unescape(confirmation.group(1)), fields)
    assert response.status_code == 302
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def observable(issue):
    issue = Issue.objects.get(pk=issue.pk)
    return (
        issue.state,
        issue.version,
        Event.objects.count(),
        list(Revision.objects.order_by("pk").values_list("pk", "go_live_at", "ends_at")),
    )


def resubmit_with_changes(issue, editor, title):
    """The editor takes the issue back, changes it and submits it again."""
    perform(issue, "withdraw", by=editor)
    Issue.objects.filter(pk=issue.pk).update(title=title)
    perform(issue, "submit", by=editor)


def future_local(days=10):
    return f"{timezone.now() + timedelta(days=days):%Y-%m-%dT09:00}"


def test_the_forms_carry_the_revision_and_version_they_show(
    make_issue, editor, reviewer, publisher
):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    _, page = open_page(reviewer, issue)
    _, fields = form_of(page, "approve")
    issue.refresh_from_db()
    assert fields["revision"] == "1"
    assert fields["version"] == str(issue.version)

    perform(issue, "approve", by=reviewer)
    _, page = open_page(publisher, issue)
    issue.refresh_from_db()
    for action in ("publish", "schedule"):
        _, fields = form_of(page, action)
        assert (fields["revision"], fields["version"]) == ("1", str(issue.version))


def test_a_reviewer_cannot_approve_a_revision_resubmitted_while_their_page_was_open(
    make_issue, editor, reviewer
):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    browser, page = open_page(reviewer, issue)  # the reviewer reads revision 1
    resubmit_with_changes(issue, editor, "Nobody reviewed this title")
    before = observable(issue)

    messages = click(browser, page, "approve", comment="Looks good.")

    assert observable(issue) == before
    [(level, text)] = messages
    assert level == "error"
    assert "Revision 2 is now under review, not revision 1 that you were shown" in text
    assert "eddie" in text and "re-read revision 2 before you approve it." in text


def test_the_approve_from_a_fresh_page_works(make_issue, editor, reviewer):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    resubmit_with_changes(issue, editor, "Reviewed this time")
    browser, page = open_page(reviewer, issue)

    [(level, text)] = click(browser, page, "approve")

    assert level == "success"
    assert "Revision 2 of issue #1 is approved" in text
    issue.refresh_from_db()
    assert issue.state == Issue.State.APPROVED


@pytest.mark.parametrize(
    ("action", "typed", "advice"),
    [
        ("publish", {}, "re-read revision 2 before you publish it now."),
        ("schedule", {"at": future_local()}, "re-read revision 2 before you schedule it."),
    ],
)
def test_a_publisher_cannot_publish_a_revision_approved_after_their_page_was_opened(
    make_issue, editor, reviewer, publisher, action, typed, advice
):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    perform(issue, "approve", by=reviewer)
    browser, page = open_page(publisher, issue)  # the publisher sees revision 1 approved
    resubmit_with_changes(issue, editor, "Approved without the publisher knowing")
    perform(issue, "approve", by=reviewer)
    before = observable(issue)

    messages = click(browser, page, action, **typed)

    assert observable(issue) == before
    assert not Revision.objects.filter(go_live_at__isnull=False).exists()
    [(level, text)] = messages
    assert level == "error"
    assert "Revision 2 is now approved, not revision 1 that you were shown" in text
    assert advice in text


def test_a_publish_from_a_page_opened_before_an_unpublish_is_refused(
    make_issue, editor, reviewer, publisher, django_user_model
):
    """Same revision, but the issue moved on: someone took it down meanwhile."""
    issue = make_issue()
    perform(issue, "submit", by=editor)
    perform(issue, "approve", by=reviewer)
    perform(issue, "publish", by=publisher)
    Issue.objects.filter(pk=issue.pk).update(title="A correction")
    perform(issue, "submit", by=editor)
    perform(issue, "approve", by=reviewer)
    browser, page = open_page(publisher, issue)
    perform(issue, "unpublish", by=publisher)  # from another tab, say
    before = observable(issue)

    [(level, text)] = click(browser, page, "publish")

    assert observable(issue) == before
    assert level == "error"
    assert "changed after you opened its page" in text and "Unpublish" in text


def test_perform_refuses_an_approve_of_a_revision_no_longer_in_review(make_issue, editor, reviewer):
    issue = make_issue()
    shown = perform(issue, "submit", by=editor).revision
    resubmit_with_changes(issue, editor, "Changed")
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="not revision 1 that you were shown"):
        perform(issue, "approve", by=reviewer, revision=shown)

    assert observable(issue) == before
    perform(issue, "approve", by=reviewer, revision=issue.revisions.get(number=2))
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.APPROVED


@pytest.mark.parametrize("action", ["publish", "schedule"])
def test_perform_refuses_to_publish_a_revision_other_than_the_approved_one(
    make_issue, editor, reviewer, publisher, action
):
    issue = make_issue()
    shown = perform(issue, "submit", by=editor).revision
    perform(issue, "approve", by=reviewer)
    resubmit_with_changes(issue, editor, "Changed")
    perform(issue, "approve", by=reviewer)
    at = timezone.now() + timedelta(days=1) if action == "schedule" else None
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="Revision 2 is now approved, not revision 1"):
        perform(issue, action, by=publisher, revision=shown, at=at)

    assert observable(issue) == before


def test_perform_refuses_a_revision_of_another_issue(make_issue, editor, reviewer):
    other = make_issue(number=2)
    foreign = perform(other, "submit", by=editor).revision
    issue = make_issue()
    perform(issue, "submit", by=editor)

    with pytest.raises(TransitionNotAllowed, match="another issue"):
        perform(issue, "approve", by=reviewer, revision=foreign)


def test_without_a_revision_perform_acts_on_the_one_in_review_as_before(
    make_issue, editor, reviewer, publisher
):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    resubmit_with_changes(issue, editor, "Changed")
    perform(issue, "approve", by=reviewer)
    event = perform(issue, "publish", by=publisher)
    assert event.revision.number == 2
    assert list(Revision.objects.live().values_list("number", flat=True)) == [2]


def test_a_posted_revision_that_does_not_exist_is_refused(make_issue, editor, reviewer):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    browser, page = open_page(reviewer, issue)
    before = observable(issue)
    url, fields = form_of(page, "approve")

    response = browser.post(url, {**fields, "revision": "7"})

    assert response.status_code == 302
    assert observable(issue) == before
    [message] = get_messages(response.wsgi_request)
    assert "no revision" in str(message)
