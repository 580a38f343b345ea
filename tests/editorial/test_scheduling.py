"""Scheduling: a revision goes live at its second, with no job run, and gives way on time."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from editorial.models import Event
from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS
from editorial.workflow import TransitionNotAllowed, available_actions, perform
from newsletter.models import Issue, Revision

pytestmark = pytest.mark.django_db

START = datetime(2031, 3, 3, 9, 0, 0, 123456, tzinfo=UTC)
T = datetime(2031, 3, 5, 7, 30, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
PAGE = reverse("newsletter:issue-detail", args=[1, "issue-1"])


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(db):
    def person(username, group):
        user = get_user_model().objects.create_user(username=username, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return {
        "editor": person("eddie", EDITORS),
        "reviewer": person("rita", REVIEWERS),
        "publisher": person("paul", PUBLISHERS),
    }


@pytest.fixture
def approve(people):
    """Edit the working copy's title (if given), submit and approve: the issue is approved."""

    def approve(issue, title=None):
        if title is not None:
            Issue.objects.filter(pk=issue.pk).update(title=title)
        perform(issue, "submit", by=people["editor"])
        perform(issue, "approve", by=people["reviewer"])
        return Issue.objects.get(pk=issue.pk)

    return approve


@pytest.fixture
def schedule(people, approve):
    def schedule(issue, at, title=None):
        approve(issue, title)
        return perform(issue, "schedule", by=people["publisher"], at=at).revision

    return schedule


@pytest.fixture
def publish(people, approve):
    def publish(issue, title=None):
        approve(issue, title)
        return perform(issue, "publish", by=people["publisher"]).revision

    return publish


def refreshed(revision):
    revision.refresh_from_db()
    return revision


def test_a_scheduled_issue_goes_live_at_its_second_with_nothing_run(
    clock, client, make_issue, schedule
):
    revision = schedule(make_issue(), T)

    clock.move_to(T - SECOND)
    assert not Revision.objects.live().exists()
    assert client.get(PAGE).status_code == 404

    clock.move_to(T)
    assert list(Revision.objects.live()) == [revision]
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Small models, big ideas" in page.text


def test_scheduling_keeps_whole_seconds(clock, make_issue, schedule):
    revision = schedule(make_issue(), T + timedelta(microseconds=750_000))

    assert refreshed(revision).go_live_at == T
    assert Event.objects.get(action="schedule").effective_at == T


def test_a_correction_scheduled_for_later_replaces_the_live_revision_at_its_second(
    clock, client, make_issue, publish, schedule
):
    issue = make_issue()
    first = publish(issue)
    second = schedule(issue, T, title="Small models, corrected")

    clock.move_to(T - SECOND)
    assert list(Revision.objects.live()) == [first]
    page = client.get(PAGE)
    assert "Small models, big ideas" in page.text
    assert "Small models, corrected" not in page.text

    clock.move_to(T)
    assert list(Revision.objects.live()) == [second]
    page = client.get(PAGE)
    assert "Small models, corrected" in page.text
    assert "Small models, big ideas" not in page.text
    assert refreshed(first).ends_at == T


@pytest.mark.parametrize("when", [START - timedelta(minutes=1), START, START + SECOND / 2])
def test_scheduling_for_a_moment_already_past_is_refused(clock, make_issue, approve, people, when):
    issue = approve(make_issue())
    version = issue.version

    with pytest.raises(TransitionNotAllowed, match="time in the future"):
        perform(issue, "schedule", by=people["publisher"], at=when)

    issue.refresh_from_db()
    assert (issue.state, issue.version) == ("approved", version)
    assert not Revision.objects.filter(go_live_at__isnull=False).exists()
    assert not Event.objects.filter(action="schedule").exists()


def test_a_cancelled_schedule_never_goes_live_and_the_live_revision_carries_on(
    clock, client, make_issue, publish, schedule, people
):
    issue = make_issue()
    first = publish(issue)
    second = schedule(issue, T, title="Never to be seen")
    assert refreshed(first).ends_at == T

    perform(issue, "cancel_schedule", by=people["publisher"])

    assert refreshed(second).go_live_at is None
    assert refreshed(first).ends_at is None
    clock.move_to(T + timedelta(days=30))
    assert list(Revision.objects.live()) == [first]
    page = client.get(PAGE)
    assert "Small models, big ideas" in page.text
    assert "Never to be seen" not in page.text


def test_publishing_now_while_a_later_schedule_exists_runs_until_the_scheduled_second(
    clock, client, make_issue, publish, schedule
):
    issue = make_issue()
    scheduled = schedule(issue, T, title="The planned issue")
    clock.shift(timedelta(hours=1))

    urgent = publish(issue, title="The urgent issue")

    assert refreshed(urgent).go_live_at == START + timedelta(hours=1)
    assert urgent.ends_at == T
    assert "The urgent issue" in client.get(PAGE).text
    clock.move_to(T - SECOND)
    assert list(Revision.objects.live()) == [urgent]
    clock.move_to(T)
    assert list(Revision.objects.live()) == [scheduled]
    assert "The planned issue" in client.get(PAGE).text


def test_unpublish_takes_the_issue_off_every_public_page_and_cancels_the_later_schedule(
    clock, client, make_issue, publish, schedule, people
):
    issue = make_issue()
    publish(issue, title="Gone soon")
    schedule(issue, T, title="Back later")
    for url in ("/", reverse("newsletter:archive"), PAGE):
        assert "Gone soon" in client.get(url).text
    clock.shift(timedelta(minutes=5))

    perform(issue, "unpublish", by=people["publisher"])

    assert not Revision.objects.live().exists()
    assert client.get(PAGE).status_code == 404
    for url in ("/", reverse("newsletter:archive")):
        page = client.get(url)
        assert page.status_code == 200
        assert "Gone soon" not in page.text
    # A taken-down issue does not come back by itself at the correction's time.
    clock.move_to(T + SECOND)
    assert not Revision.objects.live().exists()
    assert client.get(PAGE).status_code == 404
    assert "Back later" not in client.get("/").text


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(microseconds=300_000)])
def test_two_schedules_at_the_same_second_are_refused(
    clock, make_issue, schedule, approve, people, offset
):
    issue = make_issue()
    first = schedule(issue, T)
    issue = approve(issue, title="Same second")
    version = issue.version

    with pytest.raises(TransitionNotAllowed, match="goes live at that very second"):
        perform(issue, "schedule", by=people["publisher"], at=T + offset)

    issue.refresh_from_db()
    assert (issue.state, issue.version) == ("approved", version)
    assert list(Revision.objects.filter(go_live_at__isnull=False)) == [first]
    assert refreshed(first).ends_at is None


def test_cancelling_the_schedule_of_the_approved_revision_leaves_it_approved_to_publish_now(
    clock, client, make_issue, schedule, people
):
    """The approval was of the revision, not of its time: with nothing changed since, a
    publisher can publish it now or schedule it again, with no second review."""
    paul = people["publisher"]
    issue = make_issue()
    scheduled = schedule(issue, T)
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.DRAFT

    perform(issue, "cancel_schedule", by=paul)

    issue.refresh_from_db()
    assert issue.state == Issue.State.APPROVED
    assert refreshed(scheduled).go_live_at is None
    cancelled = Event.objects.filter(issue=issue).latest("pk")
    assert (cancelled.action, cancelled.revision, cancelled.from_state, cancelled.to_state) == (
        "cancel_schedule",
        scheduled,
        "draft",
        "approved",
    )
    assert {"publish", "schedule"} <= {t.action for t in available_actions(issue, paul)}
    perform(issue, "schedule", by=paul, at=T + timedelta(days=1), revision=scheduled)
    assert refreshed(scheduled).go_live_at == T + timedelta(days=1)
    perform(issue, "cancel_schedule", by=paul)
    published = perform(issue, "publish", by=paul, revision=scheduled).revision
    assert published == scheduled
    assert list(Revision.objects.live()) == [scheduled]
    # One approval for the lot: the review was not asked for again.
    assert Event.objects.filter(issue=issue, action="approve").count() == 1


def test_a_schedule_cancelled_after_the_working_copy_was_edited_leaves_a_draft(
    clock, make_issue, schedule, people
):
    """What is in the working copy now was never approved, so it goes through review."""
    issue = make_issue()
    scheduled = schedule(issue, T)
    Issue.objects.filter(pk=issue.pk).update(title="Edited after scheduling")

    perform(issue, "cancel_schedule", by=people["publisher"])

    issue.refresh_from_db()
    assert issue.state == Issue.State.DRAFT
    assert refreshed(scheduled).go_live_at is None
    assert Event.objects.filter(issue=issue).latest("pk").to_state == "draft"
    with pytest.raises(TransitionNotAllowed, match="draft"):
        perform(issue, "publish", by=people["publisher"])


def test_cancelling_an_older_schedule_leaves_the_newer_revision_in_review_as_it_is(
    clock, make_issue, schedule, people
):
    issue = make_issue()
    scheduled = schedule(issue, T)
    newer = perform(issue, "submit", by=people["editor"]).revision

    perform(issue, "cancel_schedule", by=people["publisher"], revision=scheduled)

    issue.refresh_from_db()
    assert issue.state == Issue.State.IN_REVIEW
    assert refreshed(scheduled).go_live_at is None
    perform(issue, "approve", by=people["reviewer"], revision=newer)
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.APPROVED


def test_unpublish_cancelling_a_schedule_does_not_approve_anything(
    clock, make_issue, publish, schedule, people
):
    issue = make_issue()
    publish(issue)
    schedule(issue, T, title="A correction")
    clock.shift(SECOND)

    event = perform(issue, "unpublish", by=people["publisher"])

    assert len(event.cancelled) == 1
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.DRAFT
