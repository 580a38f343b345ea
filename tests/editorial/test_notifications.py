"""Emails: reviewers hear of submissions, submitters of decisions, publishers of approvals,
once the change commits."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS
from editorial.signals import transition_performed
from editorial.workflow import TransitionNotAllowed, perform

# Each email is a task: here it runs where it is enqueued (test_notification_retries.py
# has a real worker and a real mail server).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]


def person(username, *groups, email=None, **extra):
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.com" if email is None else email,
        is_staff=True,
        **extra,
    )
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def people(db):
    return {
        "submitter": person("sam", EDITORS, REVIEWERS),  # a reviewer too: not told of their own
        "editor": person("eddie", EDITORS),
        "rita": person("rita", REVIEWERS),
        "rob": person("rob", REVIEWERS),
        "mute": person("mute", REVIEWERS, email=""),
        "gone": person("gone", REVIEWERS, is_active=False),
        "publisher": person("paul", PUBLISHERS),
    }


@pytest.fixture
def submitted(make_issue, people, django_capture_on_commit_callbacks):
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        perform(issue, "submit", by=people["submitter"])
    mail.outbox.clear()
    return issue


def test_submitting_emails_the_reviewers_but_not_the_submitter(
    make_issue, people, django_capture_on_commit_callbacks
):
    issue = make_issue()

    with django_capture_on_commit_callbacks(execute=True):
        perform(issue, "submit", by=people["submitter"])

    # One message each: reviewers do not see each other's addresses.
    assert sorted(m.to for m in mail.outbox) == [["rita@example.com"], ["rob@example.com"]]
    message = mail.outbox[0]
    assert "Review requested: #1 Small models, big ideas" in message.subject
    assert "sam submitted issue #1" in message.body
    assert f"/admin/newsletter/issue/{issue.pk}/change/" in message.body


def test_emails_go_only_once_the_transition_has_committed(
    make_issue, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        perform(make_issue(), "submit", by=people["submitter"])
        assert mail.outbox == []

    # The announcement (which mails), then settling what readers see (live_state.settle).
    assert [getattr(c, "__name__", "") for c in callbacks][1:] == ["settle"]
    callbacks[0]()
    assert len(mail.outbox) == 2


def test_approval_emails_the_submitter_with_the_reviewers_note(
    submitted, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        perform(submitted, "approve", by=people["rita"], comment="Lovely issue, ship it.")

    to_submitter = [m for m in mail.outbox if m.to == ["sam@example.com"]]
    assert len(to_submitter) == 1  # the publisher's message is tested below
    message = to_submitter[0]
    assert "Approved: #1" in message.subject
    assert "rita approved issue #1" in message.body
    assert "Lovely issue, ship it." in message.body


def test_a_request_for_changes_emails_the_submitter_with_the_comment(
    submitted, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        perform(submitted, "request_changes", by=people["rob"], comment="The paper link is broken.")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.com"]
    assert "Changes requested: #1" in message.subject
    assert "The paper link is broken." in message.body


def test_a_refused_transition_emails_nobody(submitted, people, django_capture_on_commit_callbacks):
    attempts = [
        ("approve", people["submitter"], ""),  # approving one's own submission
        ("request_changes", people["rita"], "  "),  # no comment
        ("approve", people["editor"], ""),  # not a reviewer
        ("submit", people["editor"], ""),  # already in review
    ]
    for action, user, comment in attempts:
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(TransitionNotAllowed),
        ):
            perform(submitted, action, by=user, comment=comment)
        assert callbacks == [], action

    assert mail.outbox == []


def test_demo_and_bench_loaders_email_nobody(make_issue, django_capture_on_commit_callbacks):
    from demo.publication import walk_to_publication
    from tests.helpers.workflow import role_user

    users = {
        "editor": role_user("wf-editor", "Editors"),
        "reviewer": role_user("wf-reviewer", "Reviewers"),
        "publisher": role_user("wf-publisher", "Publishers"),
    }
    announced = []

    def listen(sender, event, **kwargs):
        announced.append(event.action)

    transition_performed.connect(listen)
    try:
        # The callbacks run after the loader's muted block, as after seed_demo's transaction.
        with django_capture_on_commit_callbacks(execute=True):
            walk_to_publication(make_issue(), **users)
    finally:
        transition_performed.disconnect(listen)
    assert announced == ["submit", "approve", "publish"]
    assert mail.outbox == []


# Publishers hear of approvals ---------------------------------------------------------


def test_approval_emails_each_publisher_that_the_issue_is_ready_to_publish(
    submitted, people, django_capture_on_commit_callbacks
):
    person("pia", PUBLISHERS)
    person("quiet", PUBLISHERS, email="")
    person("left", PUBLISHERS, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        perform(submitted, "approve", by=people["rita"], comment="Ship it on Monday.")

    ready = [m for m in mail.outbox if "Ready to publish" in m.subject]
    # One message each: publishers do not see each other's addresses.
    assert sorted(m.to for m in ready) == [["paul@example.com"], ["pia@example.com"]]
    message = ready[0]
    assert (
        message.subject == "[Machine Learning Monthly] Ready to publish: #1 Small models, big ideas"
    )
    assert "rita approved issue #1" in message.body
    assert "(revision 1)" in message.body
    assert "Ship it on Monday." in message.body
    assert f"/admin/newsletter/issue/{submitted.pk}/change/" in message.body
    # The submitter still hears of the decision, with their own message.
    assert [m.to for m in mail.outbox if "Approved: #1" in m.subject] == [["sam@example.com"]]


def test_a_publisher_who_approves_is_not_told_of_their_own_approval(
    submitted, people, django_capture_on_commit_callbacks
):
    both = person("bea", REVIEWERS, PUBLISHERS)

    with django_capture_on_commit_callbacks(execute=True):
        perform(submitted, "approve", by=both)

    ready = [m.to for m in mail.outbox if "Ready to publish" in m.subject]
    assert ready == [["paul@example.com"]]
    assert ["bea@example.com"] not in [m.to for m in mail.outbox]


def test_a_submitter_who_publishes_gets_one_message_about_the_approval(
    make_issue, people, django_capture_on_commit_callbacks
):
    writer = person("wes", EDITORS, PUBLISHERS)
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        perform(issue, "submit", by=writer)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        perform(issue, "approve", by=people["rita"])

    assert [m.subject for m in mail.outbox if m.to == ["wes@example.com"]] == [
        "[Machine Learning Monthly] Approved: #1 Small models, big ideas"
    ]
    assert sorted(m.to for m in mail.outbox) == [["paul@example.com"], ["wes@example.com"]]


def test_only_approval_emails_the_publishers(submitted, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        perform(submitted, "request_changes", by=people["rob"], comment="Not yet.")

    assert [m.to for m in mail.outbox] == [["sam@example.com"]]
