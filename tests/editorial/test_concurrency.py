"""Two people acting on one issue at the same moment, on a real PostgreSQL.

These tests commit for real (transaction=True) so that each thread's connection sees the
others' work; the issue row lock is what must keep them from trampling each other.
"""

import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from editorial.models import Event
from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS, ensure_groups
from editorial.workflow import TransitionNotAllowed, perform
from newsletter.models import Issue, Revision
from tests.helpers.admin import form_data

pytestmark = pytest.mark.django_db(transaction=True)

CONFLICT = "while you were editing it, so your changes were not saved"


@pytest.fixture
def person(transactional_db):
    ensure_groups()  # an earlier transactional test may have flushed them

    def person(username, group):
        user = get_user_model().objects.create_user(username=username, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return person


def at_once(*jobs):
    """Run each job in its own thread, released together; return (result, error) pairs."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = (job(), None)
        except Exception as error:  # noqa: BLE001 - handed back to the test to assert on
            outcomes[index] = (None, error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


def test_two_publishers_publishing_at_once_make_exactly_one_revision_live(make_issue, person):
    issue = make_issue()
    perform(issue, "submit", by=person("eddie", EDITORS))
    perform(issue, "approve", by=person("rita", REVIEWERS))
    paul, pia = person("paul", PUBLISHERS), person("pia", PUBLISHERS)

    def publish_as(user):
        return lambda: perform(Issue.objects.get(pk=issue.pk), "publish", by=user)

    outcomes = at_once(publish_as(paul), publish_as(pia))

    successes = [event for event, error in outcomes if error is None]
    refusals = [error for _, error in outcomes if error is not None]
    assert len(successes) == 1
    assert len(refusals) == 1
    assert isinstance(refusals[0], TransitionNotAllowed), refusals[0]
    winner = successes[0].actor
    message = str(refusals[0])
    assert "“Publish now” is not possible now" in message
    assert f"Last change: “Publish now” by {winner.username}" in message
    assert Revision.objects.live().count() == 1
    assert Event.objects.filter(action="publish").count() == 1
    assert Event.objects.get(action="publish").actor == winner


def change_form(client, url):
    """What the browser would post back from the issue's change page, unchanged."""
    response = client.get(url)
    assert response.status_code == 200
    data = form_data(response)
    assert data["base_version"] is not None
    assert data["sections-TOTAL_FORMS"] == 2
    return data


@pytest.fixture
def two_editors(person):
    clients = {}
    for name in ("alice", "bob"):
        clients[name] = Client()
        clients[name].force_login(person(name, EDITORS))
    return clients


def test_two_editors_saving_at_once_save_one_and_show_the_other_their_input(
    make_issue, two_editors
):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    titles = {"alice": "Alice's title", "bob": "Bob's title"}
    forms = {name: change_form(client, url) for name, client in two_editors.items()}
    for name, data in forms.items():
        data["title"] = titles[name]

    def save_as(name):
        return lambda: two_editors[name].post(url, forms[name])

    outcomes = dict(zip(titles, at_once(save_as("alice"), save_as("bob")), strict=True))

    assert [error for _, error in outcomes.values()] == [None, None]
    responses = {name: response for name, (response, _) in outcomes.items()}
    assert sorted(r.status_code for r in responses.values()) == [200, 302]
    loser = next(name for name, r in responses.items() if r.status_code == 200)
    winner = next(name for name in titles if name != loser)
    assert CONFLICT in responses[loser].text
    assert f'value="{titles[loser]}"'.replace("'", "&#x27;") in responses[loser].text
    issue.refresh_from_db()
    assert issue.title == titles[winner]
    assert issue.version == 2
    assert issue.updated_by.username == winner


def test_a_stale_save_is_refused_and_saving_again_from_a_fresh_page_works(make_issue, two_editors):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    alice, bob = two_editors["alice"], two_editors["bob"]
    alices, bobs = change_form(alice, url), change_form(bob, url)
    alices["title"], bobs["title"] = "Alice's title", "Bob's title"
    assert alice.post(url, alices).status_code == 302

    refused = bob.post(url, bobs)

    assert refused.status_code == 200
    assert CONFLICT in refused.text
    assert 'value="Bob&#x27;s title"' in refused.text
    issue.refresh_from_db()
    assert (issue.title, issue.version) == ("Alice's title", 2)

    fresh = change_form(bob, url)
    fresh["title"] = "Bob's title"
    assert bob.post(url, fresh).status_code == 302
    issue.refresh_from_db()
    assert (issue.title, issue.version) == ("Bob's title", 3)


def test_the_conflict_message_says_who_saved_the_issue_and_when(make_issue, two_editors):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    alice, bob = two_editors["alice"], two_editors["bob"]
    alices, bobs = change_form(alice, url), change_form(bob, url)
    assert alice.post(url, alices).status_code == 302
    saved_at = timezone.localtime(Issue.objects.get(pk=issue.pk).updated_at)

    refused = bob.post(url, bobs)

    errors = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', refused.text, re.S)
    assert errors, "no form-wide error shown"
    assert f"alice changed this issue at {saved_at:%H:%M:%S}" in errors.group(1)
