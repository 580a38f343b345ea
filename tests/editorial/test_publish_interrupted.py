"""The database connection dies in the middle of a publish: PostgreSQL rolls the whole
transition back, so the issue is exactly as it was (approved, nothing live, no event, no
send), the publisher reads that the database is unreachable (a 503, never a 500), and
publishing again once it is back works.

The connection is killed for real, with pg_terminate_backend from a second connection,
at a chosen point inside the publish transaction.
"""

import time

import pytest
from django.db import connection, connections
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from editorial.models import Event
from editorial.signals import transition_recorded
from editorial.workflow import perform
from newsletter.models import Issue, Revision
from sending.models import Send

pytestmark = pytest.mark.django_db(transaction=True)


def terminate(pid: int) -> None:
    """Kill the backend `pid` from another connection and wait until it has gone."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.05)
        raise AssertionError(f"backend {pid} is still there")
    finally:
        other.close()


class KillOnce:
    """A receiver that kills the request's own database connection the first time."""

    def __init__(self):
        self.fired = False

    def __call__(self, **kwargs):
        if self.fired:
            return
        if "update_fields" in kwargs and "go_live_at" not in (kwargs["update_fields"] or ()):
            return
        self.fired = True
        terminate(connection.connection.info.backend_pid)


POINTS = {
    # Right after the revision's interval is written: the old live revision may have been
    # closed, this one opened, nothing else yet.
    "after the revision goes live": (post_save, {"sender": Revision}),
    # Everything written (state, version, event, the send ledger): only COMMIT is left.
    "just before commit": (transition_recorded, {}),
}


def state_of(issue):
    issue = Issue.objects.get(pk=issue.pk)
    return {
        "state": issue.state,
        "version": issue.version,
        "intervals": list(
            Revision.objects.filter(issue=issue).values_list("number", "go_live_at", "ends_at")
        ),
        "events": list(Event.objects.filter(issue=issue).values_list("pk", "action")),
        "sends": Send.objects.count(),
    }


@pytest.fixture
def approved_issue(make_issue, editor, reviewer):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    perform(issue, "approve", by=reviewer)
    return issue


@pytest.mark.parametrize("point", POINTS)
def test_a_publish_whose_connection_dies_leaves_the_issue_as_it_was(
    approved_issue, publisher, point
):
    before = state_of(approved_issue)
    assert before["state"] == "approved" and before["intervals"][0][1] is None
    assert "publish" not in [action for _pk, action in before["events"]]
    signal, options = POINTS[point]
    kill = KillOnce()
    signal.connect(kill, weak=False, dispatch_uid="kill-once", **options)
    client = Client(raise_request_exception=False)
    client.force_login(publisher)
    try:
        response = client.post(
            reverse("admin:newsletter_issue_transition", args=[approved_issue.pk, "publish"]),
            {"email_subscribers": "1"},
        )
    finally:
        signal.disconnect(dispatch_uid="kill-once", **options)
    assert kill.fired

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "The database is unreachable" in page
    assert "what you were about to send was not saved" in page
    assert "Traceback" not in page and "OperationalError" not in page

    connection.close()  # the killed connection; the next query opens a new one
    assert state_of(approved_issue) == before
    assert not Revision.objects.live().filter(issue=approved_issue).exists()

    # Once the database answers again, the same publish goes through.
    retry = client.post(
        reverse("admin:newsletter_issue_transition", args=[approved_issue.pk, "publish"]),
        {"email_subscribers": "1"},
    )
    assert retry.status_code == 302
    after = state_of(approved_issue)
    assert Revision.objects.live().filter(issue=approved_issue).exists()
    assert [action for _pk, action in after["events"]].count("publish") == 1
    assert after["sends"] == before["sends"] + 1
