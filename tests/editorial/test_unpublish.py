"""Unpublish takes an issue down for good: what was scheduled to replace it is cancelled too.

Otherwise a correction scheduled before the takedown brings the issue back by itself at
its time, which nobody asked for.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from editorial.models import Event
from editorial.workflow import perform
from newsletter.models import Issue, Revision

pytestmark = pytest.mark.django_db

START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
CORRECTION_AT = datetime(2031, 3, 5, 7, 30, tzinfo=UTC)
LATER_AT = datetime(2031, 3, 9, 12, 0, tzinfo=UTC)
PAGE = reverse("newsletter:issue-detail", args=[1, "issue-1"])


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(editor, reviewer, publisher):
    return {"editor": editor, "reviewer": reviewer, "publisher": publisher}


def release(issue, people, *, title=None, at=None):
    """Edit the title (if given), submit, approve, and publish now or schedule at `at`."""
    if title is not None:
        Issue.objects.filter(pk=issue.pk).update(title=title)
    perform(issue, "submit", by=people["editor"])
    perform(issue, "approve", by=people["reviewer"])
    if at is None:
        return perform(issue, "publish", by=people["publisher"]).revision
    return perform(issue, "schedule", by=people["publisher"], at=at).revision


@pytest.fixture
def live_with_corrections(clock, make_issue, people):
    """Issue 1 live now, a correction scheduled at CORRECTION_AT and another at LATER_AT."""
    issue = make_issue()
    release(issue, people, title="Live now")
    release(issue, people, title="The correction", at=CORRECTION_AT)
    release(issue, people, title="The second correction", at=LATER_AT)
    clock.shift(timedelta(minutes=5))
    return Issue.objects.get(pk=issue.pk)


def test_an_unpublished_issue_does_not_come_back_at_its_corrections_times(
    clock, client, live_with_corrections, people
):
    issue = live_with_corrections
    assert client.get(PAGE).status_code == 200

    perform(issue, "unpublish", by=people["publisher"])

    for moment in (
        CORRECTION_AT,
        CORRECTION_AT + timedelta(hours=1),
        LATER_AT,
        LATER_AT + timedelta(seconds=1),
    ):
        clock.move_to(moment)
        assert not Revision.objects.live().filter(issue=issue).exists()
        assert client.get(PAGE).status_code == 404
    clock.move_to(LATER_AT + timedelta(days=30))
    assert not Revision.objects.live().exists()
    assert "correction" not in client.get("/").text
    # Nothing of the issue is scheduled any more.
    assert list(issue.revisions.filter(go_live_at__gt=START).values_list("number")) == []


def test_unpublish_records_each_cancelled_schedule_in_the_timeline(live_with_corrections, people):
    issue = live_with_corrections
    paul = people["publisher"]

    event = perform(issue, "unpublish", by=paul)

    assert [(revision.number, at) for revision, at in event.cancelled] == [
        (2, CORRECTION_AT),
        (3, LATER_AT),
    ]
    assert Event.objects.filter(issue=issue).order_by("-pk").first() == event
    cancelled = Event.objects.filter(issue=issue, action="cancel_schedule").order_by("pk")
    assert [(e.revision.number, e.actor) for e in cancelled] == [(2, paul), (3, paul)]
    assert all("unpublish" in e.comment.lower() for e in cancelled)
    revisions = issue.revisions.order_by("number")
    assert [(r.number, r.go_live_at, r.ends_at) for r in revisions] == [
        (1, START, START + timedelta(minutes=5)),
        (2, None, None),
        (3, None, None),
    ]


def test_the_success_message_says_the_correction_was_cancelled(
    client, live_with_corrections, people, settings
):
    settings.TIME_ZONE = "Europe/London"
    issue = live_with_corrections
    client.force_login(people["publisher"])

    response = client.post(
        reverse("admin:newsletter_issue_transition", args=[issue.pk, "unpublish"])
    )

    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert message.level_tag == "success"
    text = str(message)
    assert text.startswith("Issue #1 is no longer live: revision 1 ended at")
    assert "and the corrections scheduled for" in text
    assert "Wed 5 Mar 2031, 07:30 GMT" in text and "Sun 9 Mar 2031, 12:00 GMT" in text
    assert "were cancelled" in text


def test_an_unpublish_with_nothing_scheduled_says_nothing_about_corrections(
    clock, client, make_issue, people
):
    issue = make_issue()
    release(issue, people)
    clock.shift(timedelta(minutes=1))
    client.force_login(people["publisher"])

    response = client.post(
        reverse("admin:newsletter_issue_transition", args=[issue.pk, "unpublish"])
    )

    [message] = get_messages(response.wsgi_request)
    assert "no longer live" in str(message)
    assert "cancelled" not in str(message)


def test_unpublish_leaves_other_issues_schedules_alone(clock, make_issue, people):
    issue = make_issue()
    release(issue, people)
    other = make_issue(number=2)
    scheduled = release(other, people, at=CORRECTION_AT)
    clock.shift(timedelta(minutes=1))

    perform(issue, "unpublish", by=people["publisher"])

    scheduled.refresh_from_db()
    assert scheduled.go_live_at == CORRECTION_AT
    with time_machine.travel(CORRECTION_AT, tick=False):
        assert list(Revision.objects.live()) == [scheduled]
