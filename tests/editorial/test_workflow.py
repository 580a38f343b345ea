"""The editorial workflow: who may do what to an issue in which state, and what it leaves behind."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from editorial.models import Event
from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS
from editorial.workflow import (
    TRANSITIONS,
    TransitionNotAllowed,
    available_actions,
    perform,
    refusal,
)
from newsletter.content.build import build_snapshot
from newsletter.models import Issue, Revision

pytestmark = pytest.mark.django_db

DRAFT, IN_REVIEW, APPROVED = "draft", "in_review", "approved"
STATES = (DRAFT, IN_REVIEW, APPROVED)
ROLES = ("editor", "submitter", "reviewer", "publisher", "superuser", "staff")
PUBLISHING = {"publisher", "superuser"}

# Written out by hand from the design, not derived from TRANSITIONS: a wrong table fails.
# action -> {state: roles allowed}; every other (state, role) must be refused.
ALLOWED = {
    "submit": {DRAFT: {"editor", "submitter", "superuser"}},
    # Approved is not a dead end: the submitter can take it back, a reviewer can reopen it.
    "withdraw": {IN_REVIEW: {"submitter"}, APPROVED: {"submitter"}},
    "request_changes": {IN_REVIEW: {"reviewer", "superuser"}, APPROVED: {"reviewer", "superuser"}},
    "approve": {IN_REVIEW: {"reviewer", "superuser"}},
    "publish": {APPROVED: PUBLISHING},
    "schedule": {APPROVED: PUBLISHING},
    "cancel_schedule": dict.fromkeys(STATES, PUBLISHING),
    "unpublish": dict.fromkeys(STATES, PUBLISHING),
    "restore": {DRAFT: {"editor", "submitter", "superuser"}},
}
# action -> what someone without its permission is told, written out by hand.
WITHOUT_PERMISSION = {
    "submit": "You do not have permission to submit issues for review.",
    "withdraw": "You do not have permission to withdraw issues from review.",
    "request_changes": "You do not have permission to request changes to issues.",
    "approve": "You do not have permission to approve issues.",
    "publish": "You do not have permission to publish issues now.",
    "schedule": "You do not have permission to schedule issues.",
    "cancel_schedule": "You do not have permission to cancel scheduled publications.",
    "unpublish": "You do not have permission to unpublish issues.",
    "restore": "You do not have permission to restore older revisions of issues.",
}
# action -> the state it leaves the issue in (None: the state does not change). In the
# walk below no cancelled schedule is of the revision approved last with the working copy
# unchanged (that one is approved again: tests/editorial/test_scheduling.py).
TARGET = {
    "submit": IN_REVIEW,
    "withdraw": DRAFT,
    "request_changes": DRAFT,
    "approve": APPROVED,
    "publish": DRAFT,
    "schedule": DRAFT,
    "cancel_schedule": None,
    "unpublish": None,
    "restore": IN_REVIEW,
}


def person(username, *groups, **extra):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", is_staff=True, **extra
    )
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def people(db):
    return {
        "editor": person("eddie", EDITORS),
        "submitter": person("sam", EDITORS),
        "reviewer": person("rita", REVIEWERS),
        "publisher": person("paul", PUBLISHERS),
        "superuser": person("sue", is_superuser=True),
        "staff": person("stan"),
        # Set-up only: they build the history, the roles above act on it.
        "setup_reviewer": person("setup-rita", REVIEWERS),
        "setup_publisher": person("setup-paul", PUBLISHERS),
    }


def fresh(issue):
    return Issue.objects.get(pk=issue.pk)


def revision(issue, number):
    return Revision.objects.get(issue=issue, number=number)


def observable(issue):
    """Everything a refused transition must leave exactly as it was."""
    issue = fresh(issue)
    return {
        "state": issue.state,
        "version": issue.version,
        "revisions": list(
            issue.revisions.order_by("number").values_list("number", "go_live_at", "ends_at")
        ),
        "events": Event.objects.count(),
    }


def issue_with_history(make_issue, people, number, state, *, scheduled_at):
    """Revision 1 live since yesterday, revision 2 scheduled, revision 3 submitted by
    the submitter and then taken to `state` (draft: sent back with changes requested)."""
    issue = make_issue(number=number)
    sam, rita, paul = people["submitter"], people["setup_reviewer"], people["setup_publisher"]
    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        perform(issue, "submit", by=sam)
        perform(issue, "approve", by=rita)
        perform(issue, "publish", by=paul)
    perform(issue, "submit", by=sam)
    perform(issue, "approve", by=rita)
    perform(issue, "schedule", by=paul, at=scheduled_at)
    perform(issue, "submit", by=sam)
    if state == DRAFT:
        perform(issue, "request_changes", by=rita, comment="Tighten the intro.")
    elif state == APPROVED:
        perform(issue, "approve", by=rita)
    assert fresh(issue).state == state
    return fresh(issue)


def test_every_role_may_do_exactly_what_the_workflow_allows_in_every_state(make_issue, people):
    assert set(ALLOWED) == set(TRANSITIONS), "the expectation table must cover every action"
    scheduled_at = timezone.now().replace(microsecond=0) + timedelta(days=1)
    schedule_at = scheduled_at - timedelta(hours=20)
    issues = {
        state: issue_with_history(make_issue, people, n, state, scheduled_at=scheduled_at)
        for n, state in enumerate(STATES, start=1)
    }

    def arguments(action, issue):
        return {
            "request_changes": {"comment": "Shorter, please."},
            "schedule": {"at": schedule_at},
            "restore": {"revision": revision(issue, 1)},
        }.get(action, {})

    # What each allowed action must have done, beyond the state, version and event.
    effects = {
        "submit": lambda i: (
            i.revisions.count() == 4 and revision(i, 4).content == build_snapshot(i)
        ),
        "restore": lambda i: (
            i.revisions.count() == 4 and revision(i, 4).snapshot == revision(i, 1).snapshot
        ),
        "publish": lambda i: list(Revision.objects.live().filter(issue=i)) == [revision(i, 3)],
        "schedule": lambda i: (
            revision(i, 3).go_live_at == schedule_at and revision(i, 3).ends_at == scheduled_at
        ),
        "cancel_schedule": lambda i: (
            revision(i, 2).go_live_at is None and revision(i, 1).ends_at is None
        ),
        # Taken down for good: the correction scheduled to replace it is cancelled too.
        "unpublish": lambda i: (
            not Revision.objects.live().filter(issue=i).exists()
            and revision(i, 2).go_live_at is None
        ),
    }

    problems, checked = [], 0
    for state, issue in issues.items():
        for action in TRANSITIONS:
            for role in ROLES:
                user = people[role]
                expected = role in ALLOWED[action].get(state, set())
                case = f"{role} {action} in {state}"
                with transaction.atomic():
                    issue = fresh(issue)
                    listed = action in [t.action for t in available_actions(issue, user)]
                    before = observable(issue)
                    try:
                        event = perform(issue, action, by=user, **arguments(action, issue))
                    except TransitionNotAllowed as refusal:
                        allowed = False
                        assert str(refusal), case
                        if observable(issue) != before:
                            problems.append(f"{case}: refused but changed something")
                    else:
                        allowed = True
                        after = observable(issue)
                        if after["version"] != before["version"] + 1:
                            problems.append(f"{case}: version not bumped by one")
                        # One event, and one more per schedule it cancelled (unpublish).
                        if after["events"] != before["events"] + 1 + len(event.cancelled):
                            problems.append(f"{case}: not exactly one event")
                        if after["state"] != (TARGET[action] or state):
                            problems.append(f"{case}: left the issue {after['state']}")
                        if (event.actor, event.from_state) != (user, state):
                            problems.append(f"{case}: event records the wrong actor or state")
                        if action in effects and not effects[action](fresh(issue)):
                            problems.append(f"{case}: the effect is not what it should be")
                    transaction.set_rollback(True)
                checked += 1
                if allowed != expected:
                    problems.append(f"{case}: {'allowed' if allowed else 'refused'}")
                if listed != expected:
                    problems.append(f"{case}: available_actions says {listed}")
    assert problems == []
    assert checked == len(STATES) * len(TRANSITIONS) * len(ROLES)


def approved_issue(make_issue, people):
    issue = make_issue()
    perform(issue, "submit", by=people["submitter"])
    perform(issue, "approve", by=people["reviewer"])
    return fresh(issue)


def test_request_changes_needs_a_comment(make_issue, people):
    issue = make_issue()
    perform(issue, "submit", by=people["submitter"])
    before = observable(issue)
    for blank in ("", "   \n\t "):
        with pytest.raises(TransitionNotAllowed, match="needs a comment"):
            perform(issue, "request_changes", by=people["reviewer"], comment=blank)
        assert observable(issue) == before

    event = perform(issue, "request_changes", by=people["reviewer"], comment="  Cut section 2.  ")

    assert fresh(issue).state == DRAFT
    assert Event.objects.get(pk=event.pk).comment == "Cut section 2."


def test_the_submitter_cannot_approve_their_own_issue(make_issue, people):
    both = person("bea", EDITORS, REVIEWERS)
    issue = make_issue()
    perform(issue, "submit", by=both)
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="someone else has to approve"):
        perform(issue, "approve", by=both)

    assert observable(issue) == before
    assert "approve" not in [t.action for t in available_actions(fresh(issue), both)]


def test_self_approval_is_allowed_when_the_setting_says_so(make_issue, people, settings):
    settings.EDITORIAL_ALLOW_SELF_APPROVAL = True
    both = person("bea", EDITORS, REVIEWERS)
    issue = make_issue()
    perform(issue, "submit", by=both)

    perform(issue, "approve", by=both)

    assert fresh(issue).state == APPROVED


def test_only_the_submitter_can_withdraw(make_issue, people):
    issue = make_issue()
    perform(issue, "submit", by=people["submitter"])
    before = observable(issue)
    for someone_else in (people["editor"], people["superuser"], people["reviewer"]):
        with pytest.raises(TransitionNotAllowed):
            perform(issue, "withdraw", by=someone_else)
        assert observable(issue) == before

    perform(issue, "withdraw", by=people["submitter"])

    assert fresh(issue).state == DRAFT


def test_what_was_approved_is_what_is_published_whatever_happens_to_the_working_copy(
    client, make_issue, people
):
    issue = make_issue()
    perform(issue, "submit", by=people["submitter"])
    submitted = build_snapshot(fresh(issue))
    frozen = revision(issue, 1)
    assert frozen.content == submitted

    perform(issue, "approve", by=people["reviewer"])
    Issue.objects.filter(pk=issue.pk).update(title="Sneaked in after approval")
    fresh(issue).sections.first().items.update(body="Sneaked in too.")
    perform(issue, "publish", by=people["publisher"])

    live = Revision.objects.live().get()
    assert live == frozen
    assert live.content == submitted
    page = client.get(reverse("newsletter:issue-detail", args=[1, "issue-1"]))
    assert page.status_code == 200
    assert "Small models, big ideas" in page.text
    assert "Sneaked in" not in page.text


def test_restore_submits_a_copy_of_an_older_revision_which_can_then_go_live(
    client, make_issue, people
):
    issue = make_issue()
    perform(issue, "submit", by=people["submitter"])
    perform(issue, "approve", by=people["reviewer"])
    perform(issue, "publish", by=people["publisher"])
    first = revision(issue, 1)
    Issue.objects.filter(pk=issue.pk).update(title="A worse title")
    perform(issue, "submit", by=people["submitter"])
    perform(issue, "approve", by=people["reviewer"])
    perform(issue, "publish", by=people["publisher"])
    assert Revision.objects.live().get().title == "A worse title"

    event = perform(issue, "restore", by=people["editor"], revision=first)

    restored = event.revision
    assert restored.number == 3
    assert restored.snapshot == first.snapshot
    assert fresh(issue).state == IN_REVIEW
    perform(issue, "approve", by=people["reviewer"])
    perform(issue, "publish", by=people["publisher"])
    assert list(Revision.objects.live()) == [restored]
    page = client.get(reverse("newsletter:issue-detail", args=[1, "issue-1"]))
    assert "Small models, big ideas" in page.text
    assert "A worse title" not in page.text


def test_restore_refuses_a_revision_of_another_issue(make_issue, people):
    other = make_issue(number=2)
    perform(other, "submit", by=people["submitter"])
    issue = make_issue()
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="another issue"):
        perform(issue, "restore", by=people["editor"], revision=revision(other, 1))

    assert observable(issue) == before


def test_every_transition_writes_one_event_and_bumps_the_version(make_issue, people):
    sam, rita, paul = people["submitter"], people["reviewer"], people["publisher"]
    issue = make_issue()
    later = timezone.now().replace(microsecond=0) + timedelta(days=2)
    steps = [
        ("submit", sam, {}, DRAFT, IN_REVIEW),
        ("withdraw", sam, {}, IN_REVIEW, DRAFT),
        ("submit", sam, {"comment": "Ready, I think."}, DRAFT, IN_REVIEW),
        ("request_changes", rita, {"comment": "Fix the paper's title."}, IN_REVIEW, DRAFT),
        ("submit", sam, {}, DRAFT, IN_REVIEW),
        ("approve", rita, {"comment": "Lovely."}, IN_REVIEW, APPROVED),
        ("schedule", paul, {"at": later}, APPROVED, DRAFT),
        # Unchanged since it was approved: ready to publish again, with no second review.
        ("cancel_schedule", paul, {}, DRAFT, APPROVED),
        ("publish", paul, {}, APPROVED, DRAFT),
        ("unpublish", paul, {"comment": "Pulled: wrong link."}, DRAFT, DRAFT),
        ("restore", sam, {"revision": "first"}, DRAFT, IN_REVIEW),
    ]
    for action, actor, kwargs, from_state, to_state in steps:
        if kwargs.get("revision") == "first":
            kwargs = {"revision": revision(issue, 1)}
        version, events, revisions = (
            fresh(issue).version,
            Event.objects.count(),
            list(issue.revisions.all()),
        )

        perform(issue, action, by=actor, **kwargs)

        assert Event.objects.count() == events + 1, action
        event = Event.objects.get(issue=issue, pk=Event.objects.latest("pk").pk)
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            action,
            actor,
            from_state,
            to_state,
        )
        assert event.comment == kwargs.get("comment", "")
        # Each step here acts on the newest revision; submit and restore make it.
        assert event.revision == issue.revisions.order_by("-number").first(), action
        created = 1 if action in ("submit", "restore") else 0
        assert issue.revisions.count() == len(revisions) + created, action
        assert fresh(issue).state == to_state
        assert fresh(issue).version == version + 1, action
    assert Event.objects.get(action="schedule").effective_at == later


def test_an_unknown_action_is_refused(make_issue, people):
    issue = make_issue()
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="no action called"):
        perform(issue, "delete", by=people["superuser"])

    assert observable(issue) == before


def test_a_publication_time_without_a_time_zone_is_refused(make_issue, people):
    issue = approved_issue(make_issue, people)
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="time zone"):
        perform(issue, "schedule", by=people["publisher"], at=datetime(2099, 1, 1, 9, 0))

    assert observable(issue) == before


def test_schedule_needs_a_time(make_issue, people):
    issue = approved_issue(make_issue, people)
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="date and time"):
        perform(issue, "schedule", by=people["publisher"])

    assert observable(issue) == before


def test_someone_without_the_permission_is_told_so_in_a_sentence_for_every_action(
    make_issue, people
):
    """The same words on the confirmation page (`refusal`) as from `perform`, and in the
    workflow panel's message: never the button's label dropped into a sentence."""
    assert set(WITHOUT_PERMISSION) == set(TRANSITIONS), "every action must have its sentence"
    issue = make_issue()
    perform(issue, "submit", by=people["submitter"])
    stan = people["staff"]  # staff, in no role
    at = timezone.now() + timedelta(days=1)
    arguments = {
        "request_changes": {"comment": "Shorter, please."},
        "schedule": {"at": at},
        "restore": {"revision": revision(issue, 1)},
    }

    told = {}
    for action in TRANSITIONS:
        before = observable(issue)
        with pytest.raises(TransitionNotAllowed) as refused:
            perform(fresh(issue), action, by=stan, **arguments.get(action, {}))
        assert observable(issue) == before
        extra = {k: v for k, v in arguments.get(action, {}).items() if k != "comment"}
        assert refusal(fresh(issue), action, by=stan, **extra) == str(refused.value), action
        told[action] = str(refused.value)

    assert told == WITHOUT_PERMISSION


def test_an_inactive_user_can_do_nothing(make_issue, people):
    issue = approved_issue(make_issue, people)
    paul = people["publisher"]
    paul.is_active = False
    paul.save()
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="permission"):
        perform(issue, "publish", by=paul)

    assert observable(issue) == before
    assert available_actions(fresh(issue), paul) == []


def test_nothing_to_cancel_or_unpublish_is_refused(make_issue, people):
    issue = make_issue()
    before = observable(issue)
    for action, reason in (("cancel_schedule", "No revision"), ("unpublish", "not live")):
        with pytest.raises(TransitionNotAllowed, match=reason):
            perform(issue, action, by=people["publisher"])
        assert observable(issue) == before


def test_an_issue_already_published_cannot_be_published_again(make_issue, people):
    issue = approved_issue(make_issue, people)
    perform(issue, "publish", by=people["publisher"])
    before = observable(issue)

    with pytest.raises(TransitionNotAllowed, match="not possible now"):
        perform(issue, "publish", by=people["superuser"])

    assert observable(issue) == before


def test_publishing_reads_the_revision_in_review_once_and_no_snapshot_after_it(make_issue, people):
    """Each guard and the effect ask which revision is in review: with the issue locked the
    answer cannot change, so it is read once, and placing it on the timeline reads only
    intervals, not snapshots (tens of kilobytes of JSON for a real issue)."""
    issue = approved_issue(make_issue, people)
    with CaptureQueriesContext(connection) as queries:
        published = perform(issue, "publish", by=people["publisher"]).revision

    sql = [query["sql"] for query in queries.captured_queries]
    assert sum('FROM "editorial_event"' in one for one in sql) == 1
    # With the revision in review, and looking for another issue published under its number.
    assert sum('"newsletter_revision"."snapshot"' in one for one in sql) == 2
    full_issue_reads = [
        one
        for one in sql
        if one.startswith('SELECT "newsletter_issue"."id", "newsletter_issue"."number"')
    ]
    assert len(full_issue_reads) == 1 and "FOR UPDATE" in full_issue_reads[0]
    assert list(Revision.objects.live()) == [published]


def test_the_revision_under_review_is_the_one_submitted_last_whatever_the_clocks_say(
    make_issue, people
):
    """Event times come from each web server's clock, which may lag another's; the order
    in which transitions happened is the order they were recorded in."""
    issue = make_issue()
    perform(issue, "submit", by=people["submitter"])
    perform(issue, "withdraw", by=people["submitter"])
    with time_machine.travel(timezone.now() - timedelta(minutes=5), tick=False):
        second = perform(issue, "submit", by=people["submitter"]).revision

    approval = perform(issue, "approve", by=people["reviewer"])
    published = perform(issue, "publish", by=people["publisher"]).revision

    assert approval.revision == second
    assert published == second
    assert list(Revision.objects.live()) == [second]
