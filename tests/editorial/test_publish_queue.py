"""The admin home page tells publishers which approved issues wait to be published."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from editorial.workflow import perform

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_in_london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def users(editor, reviewer, publisher):
    return {"editor": editor, "reviewer": reviewer, "publisher": publisher}


def approved(issue, users, at=None):
    with time_machine.travel(at or datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        perform(issue, "submit", by=users["editor"])
        perform(issue, "approve", by=users["reviewer"])
    return issue


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.text


def queue_of(html):
    return html.split('id="review-queue-to-publish"')[1].split("</div>")[0]


def test_a_publisher_sees_approved_issues_oldest_first_with_who_approved_and_when(
    client, users, make_issue
):
    second = approved(make_issue(number=2, title="Approved later"), users,
                      at=datetime(2026, 7, 2, 9, 0, tzinfo=UTC))  # fmt: skip
    first = approved(make_issue(number=1, title="Approved first"), users)
    perform(make_issue(number=3, title="Still in review"), "submit", by=users["editor"])
    make_issue(number=4, title="Still a draft")

    queue = queue_of(home(client, users["publisher"]))

    assert "Waiting to be published" in queue
    assert queue.index("Approved first") < queue.index("Approved later")
    assert "Still in review" not in queue and "Still a draft" not in queue
    assert "#1 Approved first</a>" in queue
    assert "(revision 1)" in queue
    assert "approved by rita, " in queue
    assert "Sun 1 Mar 2026, 09:00 GMT" in queue
    assert "Thu 2 Jul 2026, 10:00 BST" in queue
    for issue in (first, second):
        assert f'href="{reverse("admin:newsletter_issue_change", args=[issue.pk])}"' in queue


def test_the_queue_names_the_revision_that_was_approved(client, users, make_issue):
    issue = approved(make_issue(), users)
    perform(issue, "publish", by=users["publisher"])
    approved(issue, users)  # a correction: revision 2

    queue = queue_of(home(client, users["publisher"]))
    assert "(revision 2)" in queue


def test_a_published_or_scheduled_issue_leaves_the_queue(client, users, make_issue):
    perform(approved(make_issue(number=1, title="Gone live"), users), "publish",
            by=users["publisher"])  # fmt: skip
    perform(approved(make_issue(number=2, title="Scheduled"), users), "schedule",
            by=users["publisher"], at=datetime(2099, 1, 1, tzinfo=UTC))  # fmt: skip

    queue = queue_of(home(client, users["publisher"]))
    assert "Gone live" not in queue and "Scheduled" not in queue
    assert "No approved issue is waiting to be published." in queue


def test_only_publishers_see_the_queue(client, users, make_issue):
    approved(make_issue(title="Ready to go"), users)

    for role in ("editor", "reviewer"):
        html = home(client, users[role])
        assert "Waiting to be published" not in html, role
        assert "Ready to go" not in html, role


def test_the_queue_takes_one_query_however_long_it_is(client, users, make_issue):
    approved(make_issue(number=1), users)
    client.force_login(users["publisher"])
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("admin:index"))
    for number in range(2, 6):
        approved(make_issue(number=number), users)
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("admin:index"))

    assert queue_of(response.text).count("(revision 1)") == 5
    assert len(five) == len(one)
    queue_queries = [q for q in five.captured_queries if "approve" in q["sql"]]
    assert len(queue_queries) == 1
