"""A new issue cannot take over a live issue's public address.

The attack: renumber a live issue's working copy, create a new issue with the old
number, publish it; /issues/9/ and the old canonical URL then led to the newcomer and
the feed had two entries with one id. Each step is refused now, with the reason.
"""

import pytest
from django.urls import reverse

from editorial.models import Event
from editorial.workflow import TransitionNotAllowed, perform
from newsletter.models import Issue, Revision
from tests.helpers.admin import form_data
from tests.helpers.reader import public_url, renumbered_before_the_rule

pytestmark = pytest.mark.django_db


def test_the_takeover_is_refused_at_every_step_and_the_address_stays(
    client, editor, reviewer, publisher, published
):
    original = published(number=9, title="The original nine")
    address = public_url(original)
    client.force_login(editor)

    # 1. Renumber the live issue's working copy: refused, with the reason.
    change = reverse("admin:newsletter_issue_change", args=[original.pk])
    data = form_data(client.get(change))
    data["number"] = "12"
    assert "its number stays 9" in client.post(change, data).text

    # 2. A new issue with the live number: refused (the number is the live issue's).
    add = reverse("admin:newsletter_issue_add")
    data = form_data(client.get(add))
    data.update(number="9", title="The newcomer", slug="the-newcomer")
    response = client.post(add, data)
    assert response.status_code == 200
    assert not Issue.objects.filter(title="The newcomer").exists()

    client.logout()
    assert client.get("/issues/9/").url == address
    assert "The original nine" in client.get(address).text
    feed = client.get(reverse("newsletter:feed-atom")).text
    assert feed.count("<entry>") == 1


@pytest.mark.parametrize("action", ["publish", "schedule"])
def test_perform_refuses_to_publish_under_a_number_another_issue_was_published_with(
    editor, reviewer, publisher, published, make_issue, action
):
    from datetime import timedelta

    from django.utils import timezone

    original = published(number=9, title="The original nine")
    renumbered_before_the_rule(original, 12)  # as data from before this rule can be
    # The database refuses a newcomer numbered 9 outright; one that was frozen as #9
    # before the rule (or by a script) is refused by the workflow with the reason.
    newcomer = make_issue(number=30, slug="newcomer")
    perform(newcomer, "submit", by=editor)
    frozen = newcomer.revisions.get()
    snapshot = dict(frozen.snapshot, issue=dict(frozen.snapshot["issue"], number=9))
    event = Event.objects.get(issue=newcomer, action="submit")
    stolen = Revision.objects.create(issue=newcomer, number=2, snapshot=snapshot)
    Event.objects.filter(pk=event.pk).update(revision=stolen)
    perform(newcomer, "approve", by=reviewer)
    at = timezone.now() + timedelta(days=1) if action == "schedule" else None
    before = list(Revision.objects.values_list("pk", "go_live_at", "ends_at"))

    with pytest.raises(TransitionNotAllowed, match="belongs to “The original nine”"):
        perform(newcomer, action, by=publisher, at=at)

    assert list(Revision.objects.values_list("pk", "go_live_at", "ends_at")) == before
    assert Issue.objects.get(pk=newcomer.pk).state == "approved"


def test_restoring_a_revision_numbered_otherwise_cannot_renumber_a_live_issue(
    editor, reviewer, publisher, make_issue
):
    issue = make_issue(number=5)
    perform(issue, "submit", by=editor)  # revision 1, numbered #5, never published
    perform(issue, "withdraw", by=editor)
    Issue.objects.filter(pk=issue.pk).update(number=6)  # allowed: never published
    perform(issue, "submit", by=editor)
    perform(issue, "approve", by=reviewer)
    perform(issue, "publish", by=publisher)  # live as #6
    perform(issue, "restore", by=editor, revision=issue.revisions.get(number=1))
    perform(issue, "approve", by=reviewer)

    with pytest.raises(TransitionNotAllowed, match="was published as #6"):
        perform(issue, "publish", by=publisher)

    assert list(Revision.objects.live().values_list("issue_number", flat=True)) == [6]


def test_corrections_of_a_live_issue_still_publish(editor, reviewer, publisher, published):
    issue = published(number=9)
    Issue.objects.filter(pk=issue.pk).update(title="Corrected")
    perform(issue, "submit", by=editor)
    perform(issue, "approve", by=reviewer)
    perform(issue, "publish", by=publisher)
    assert Revision.objects.live().get().title == "Corrected"
