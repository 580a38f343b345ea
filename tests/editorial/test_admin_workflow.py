"""The workflow in the admin: the issue page's panel, its buttons, the timeline, the queue."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone

from editorial.models import Event
from editorial.workflow import available_actions, perform
from newsletter.models import Revision
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db


# Stand-ins for the preview, diff and share pages, to check the panel links to them.
def _stub(request, *args, **kwargs):
    return HttpResponse("stub")


_editorial_stubs = [
    path("preview/<int:pk>/", _stub, name="preview-working-copy"),
    path("preview/<int:pk>/<int:number>/", _stub, name="preview-revision"),
    path("diff/<int:pk>/<int:number>/", _stub, name="diff"),
    path("share/<int:pk>/", _stub, name="share-create"),
    path("share/<int:pk>/revoke/", _stub, name="share-revoke"),
]
urlpatterns = [
    path("editorial/", include((_editorial_stubs, "editorial"))),
    path("admin/", admin.site.urls),
    path("", include("newsletter.reader.urls")),  # "View on site" of a live issue
]


@pytest.fixture(autouse=True)
def site_in_london(settings):
    settings.TIME_ZONE = "Europe/London"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast


@pytest.fixture
def users(editor, reviewer, publisher):
    return {"editor": editor, "reviewer": reviewer, "publisher": publisher}


def change_url(issue):
    return reverse("admin:newsletter_issue_change", args=[issue.pk])


def transition_url(issue, action):
    return reverse("admin:newsletter_issue_transition", args=[issue.pk, action])


def page(client, user, issue):
    client.force_login(user)
    response = client.get(change_url(issue))
    assert response.status_code == 200
    return response.text


def buttons(html):
    """The workflow actions the page offers, from the forms' action URLs."""
    return set(
        re.findall(r'<form method="post" action="/admin/[^"]*/(?:transition|confirm)/(\w+)/"', html)
    )


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def post(client, user, issue, action, **data):
    client.force_login(user)
    return client.post(transition_url(issue, action), data)


def submitted(issue, users):
    perform(issue, "submit", by=users["editor"])
    return issue


def approved(issue, users):
    submitted(issue, users)
    perform(issue, "approve", by=users["reviewer"])
    return issue


def live(issue, users):
    approved(issue, users)
    perform(issue, "publish", by=users["publisher"])
    return issue


def scheduled(issue, users):
    approved(issue, users)
    perform(issue, "schedule", by=users["publisher"], at=timezone.now() + timedelta(days=3))
    return issue


def untouched(issue, users):
    return issue


def future_local(days=10):
    return f"{timezone.now() + timedelta(days=days):%Y-%m-%dT09:00}"


# The panel ---------------------------------------------------------------------------


def test_the_panel_shows_a_fresh_draft_as_draft_and_not_live(client, editor, make_issue):
    html = page(client, editor, make_issue())
    assert 'class="workflow-state workflow-state-draft">Draft</span>' in html
    assert "Not live." in html
    assert "Nothing scheduled." in html
    assert "never been submitted" in html


def test_the_panel_shows_who_submitted_the_revision_under_review(
    client, users, reviewer, make_issue
):
    issue = submitted(make_issue(), users)
    html = page(client, reviewer, issue)
    assert "In review</span>" in html
    assert "revision 1 under review, submitted by eddie" in html


def test_the_panel_shows_the_live_revision_since_when_in_london_time_with_utc(
    client, editor, make_issue
):
    issue = make_issue()
    publish(issue, at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    html = page(client, editor, issue)
    live_part = html.split('class="workflow-live"')[1].split("</dd>")[0]
    assert "Revision 1, live since" in live_part
    assert "Wed 1 Jul 2026, 09:00 BST" in live_part
    assert "(Europe/London)" in live_part
    assert "08:00 UTC" in live_part


@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
def test_the_panel_shows_a_scheduled_revision_and_when_the_live_one_ends(
    client, users, editor, make_issue
):
    issue = live(make_issue(), users)
    approved(issue, users)
    perform(issue, "schedule", by=users["publisher"], at=datetime(2026, 2, 1, 9, 30, tzinfo=UTC))
    html = page(client, editor, issue)
    scheduled_part = html.split('class="workflow-scheduled"')[1].split("</dd>")[0]
    assert "Revision 2 goes live" in scheduled_part
    assert "Sun 1 Feb 2026, 09:30 GMT" in scheduled_part
    assert "(Europe/London)" in scheduled_part
    assert "09:30 UTC" in scheduled_part
    live_part = html.split('class="workflow-live"')[1].split("</dd>")[0]
    assert "Revision 1, live since" in live_part
    assert "ends" in live_part and "Sun 1 Feb 2026, 09:30 GMT" in live_part


ROLE_BUTTONS = [
    # (how the issue got here, role, the buttons that role sees)
    (untouched, "editor", {"submit"}),
    (untouched, "reviewer", set()),
    (untouched, "publisher", set()),
    (submitted, "editor", {"withdraw"}),
    (submitted, "reviewer", {"request_changes", "approve"}),
    (submitted, "publisher", set()),
    (approved, "editor", {"withdraw"}),  # the editor submitted it
    (approved, "reviewer", {"request_changes"}),
    (approved, "publisher", {"publish", "schedule"}),
    (live, "editor", {"submit", "restore"}),
    (live, "publisher", {"unpublish"}),
    (scheduled, "publisher", {"cancel_schedule"}),
]


@pytest.mark.parametrize(
    ("setup", "role", "expected"),
    ROLE_BUTTONS,
    ids=[f"{setup.__name__}-{role}" for setup, role, _ in ROLE_BUTTONS],
)
def test_each_role_sees_exactly_the_buttons_the_transition_table_allows(
    client, users, make_issue, setup, role, expected
):
    issue = setup(make_issue(), users)
    issue.refresh_from_db()
    html = page(client, users[role], issue)
    assert buttons(html) == expected
    allowed = {t.action for t in available_actions(issue, users[role])}
    if not issue.revisions.exists():
        allowed.discard("restore")  # nothing to restore yet, so no button
    assert expected == allowed


def test_request_changes_asks_for_a_comment_in_the_html_too(client, users, make_issue):
    issue = submitted(make_issue(), users)
    html = page(client, users["reviewer"], issue)
    form = html.split('class="workflow-action workflow-action-request_changes"')[1]
    form = form.split("</form>")[0]
    assert re.search(r'<textarea name="comment"[^>]*\srequired>', form)
    approve = html.split('class="workflow-action workflow-action-approve"')[1].split("</form>")[0]
    assert not re.search(r"<textarea[^>]*required", approve)


def test_the_schedule_form_says_its_time_is_in_the_site_time_zone(client, users, make_issue):
    issue = approved(make_issue(), users)
    html = page(client, users["publisher"], issue)
    form = html.split('class="workflow-action workflow-action-schedule"')[1].split("</form>")[0]
    assert re.search(r'<input type="datetime-local" name="at"[^>]*required', form)
    assert "Local time in Europe/London" in form


@pytest.mark.urls(__name__)
def test_approve_sits_next_to_the_diff_of_the_revision_in_review(client, users, make_issue):
    issue = submitted(make_issue(), users)
    html = page(client, users["reviewer"], issue)
    approve = html.split('class="workflow-action workflow-action-approve"')[1].split("</form>")[0]
    assert f'href="/editorial/diff/{issue.pk}/1/"' in approve


@pytest.mark.urls(__name__)
def test_the_panel_links_to_previews_and_posts_share_links(client, users, make_issue):
    issue = live(make_issue(), users)
    html = page(client, users["editor"], issue)
    assert f'href="/editorial/preview/{issue.pk}/">Preview working copy</a>' in html
    assert f'href="/editorial/preview/{issue.pk}/1/"' in html
    assert f'<form method="post" action="/editorial/share/{issue.pk}/">' in html
    assert '<option value="working">' in html
    assert f'<form method="post" action="/editorial/share/{issue.pk}/revoke/">' in html


def test_an_issue_in_review_is_read_only_but_still_shows_the_panel(client, users, make_issue):
    issue = submitted(make_issue(), users)
    html = page(client, users["editor"], issue)
    assert 'name="title"' not in html
    assert buttons(html) == {"withdraw"}


# Performing transitions --------------------------------------------------------------

ACTIONS = [
    # (action, role, how the issue gets ready, form data, the state afterwards)
    ("submit", "editor", untouched, {}, "in_review"),
    ("withdraw", "editor", submitted, {}, "draft"),
    ("request_changes", "reviewer", submitted, {"comment": "Cut the intro."}, "draft"),
    ("approve", "reviewer", submitted, {"comment": "Lovely."}, "approved"),
    ("publish", "publisher", approved, {}, "draft"),
    ("schedule", "publisher", approved, {"at": future_local()}, "draft"),
    # Unchanged since it was approved, so still approved (tests/editorial/test_scheduling.py).
    ("cancel_schedule", "publisher", scheduled, {}, "approved"),
    ("unpublish", "publisher", live, {}, "draft"),
    ("restore", "editor", live, {"revision": "1"}, "in_review"),
]


@pytest.mark.parametrize(
    ("action", "role", "setup", "data", "state"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_posting_an_action_performs_it_and_says_so(
    client, users, make_issue, action, role, setup, data, state
):
    issue = setup(make_issue(), users)
    events = Event.objects.count()

    response = post(client, users[role], issue, action, **data)

    assert response.status_code == 302
    assert response["Location"] == change_url(issue)
    assert Event.objects.count() == events + 1
    event = Event.objects.first()
    assert (event.action, event.actor, event.issue) == (action, users[role], issue)
    assert event.comment == data.get("comment", "")
    issue.refresh_from_db()
    assert issue.state == state
    [(level, text)] = messages_of(response)
    assert level == "success"
    assert f"issue #{issue.number}" in text.lower() or "restored" in text


def test_publishing_through_the_admin_makes_the_approved_revision_live(client, users, make_issue):
    issue = approved(make_issue(), users)
    post(client, users["publisher"], issue, "publish")
    assert list(Revision.objects.live().values_list("issue", "number")) == [(issue.pk, 1)]


def test_cancelling_one_of_several_schedules_cancels_the_chosen_one(client, users, make_issue):
    issue = make_issue()
    perform(issue, "submit", by=users["editor"])
    perform(issue, "approve", by=users["reviewer"])
    perform(issue, "schedule", by=users["publisher"], at=timezone.now() + timedelta(days=2))
    perform(issue, "submit", by=users["editor"])
    perform(issue, "approve", by=users["reviewer"])
    perform(issue, "schedule", by=users["publisher"], at=timezone.now() + timedelta(days=5))

    html = page(client, users["publisher"], issue)
    form = html.split("workflow-action-cancel_schedule")[1].split("</form>")[0]
    assert '<option value="1">' in form and '<option value="2">' in form

    post(client, users["publisher"], issue, "cancel_schedule", revision="2")
    assert list(issue.revisions.filter(go_live_at__isnull=False).values_list("number")) == [(1,)]


FORBIDDEN = [
    # (why, action, role, setup, data, the error says)
    ("wrong role", "approve", "editor", submitted, {}, "permission"),
    ("wrong state", "approve", "reviewer", untouched, {}, "not possible now"),
    ("publisher cannot submit", "submit", "publisher", untouched, {}, "permission"),
    ("missing comment", "request_changes", "reviewer", submitted, {"comment": "  "}, "comment"),
    ("no time", "schedule", "publisher", approved, {}, "Choose the date and time"),
    ("past time", "schedule", "publisher", approved, {"at": "2020-01-01T09:00"}, "future"),
    ("garbage time", "schedule", "publisher", approved, {"at": "next tuesday"}, "not a date"),
    ("impossible date", "schedule", "publisher", approved, {"at": "2027-02-30T09:00"}, "not a"),
    (
        "time skipped by the clocks",
        "schedule",
        "publisher",
        approved,
        {"at": "2027-03-28T01:30"},
        "does not exist in Europe/London",
    ),
    (
        "time repeated by the clocks",
        "schedule",
        "publisher",
        approved,
        {"at": "2027-10-31T01:30"},
        "happens twice in Europe/London",
    ),
    ("no such action", "explode", "publisher", approved, {}, "no action called"),
    ("no such revision", "restore", "editor", live, {"revision": "9"}, "no revision"),
    ("garbage revision", "restore", "editor", live, {"revision": "x'"}, "no revision"),
    ("restore without revision", "restore", "editor", live, {}, "Choose the revision"),
    ("nothing to unpublish", "unpublish", "publisher", untouched, {}, "not live"),
    ("withdraw by another", "withdraw", "reviewer", submitted, {}, "permission"),
]


@pytest.mark.parametrize(
    ("why", "action", "role", "setup", "data", "says"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN]
)
def test_a_refused_action_redirects_with_the_reason_and_changes_nothing(
    client, users, make_issue, why, action, role, setup, data, says
):
    issue = setup(make_issue(), users)
    issue.refresh_from_db()
    before = (
        issue.state,
        issue.version,
        Event.objects.count(),
        list(Revision.objects.values_list("pk", "go_live_at", "ends_at")),
    )

    response = post(client, users[role], issue, action, **data)

    assert response.status_code == 302
    assert response["Location"] == change_url(issue)
    issue.refresh_from_db()
    after = (
        issue.state,
        issue.version,
        Event.objects.count(),
        list(Revision.objects.values_list("pk", "go_live_at", "ends_at")),
    )
    assert after == before
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert says.lower() in text.lower()


def test_the_refusal_is_shown_on_the_issue_page(client, users, make_issue):
    issue = submitted(make_issue(), users)
    client.force_login(users["reviewer"])
    response = client.post(transition_url(issue, "request_changes"), follow=True)
    assert response.status_code == 200
    assert "needs a comment" in response.text


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2026-02-01T09:30", datetime(2026, 2, 1, 9, 30, tzinfo=UTC)),  # GMT = UTC
        ("2026-07-01T09:30", datetime(2026, 7, 1, 8, 30, tzinfo=UTC)),  # BST = UTC+1
    ],
    ids=["gmt", "bst"],
)
@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
def test_a_schedule_typed_in_london_time_is_stored_as_the_right_utc_instant(
    client, users, make_issue, local, utc
):
    issue = approved(make_issue(), users)
    response = post(client, users["publisher"], issue, "schedule", at=local)
    revision = issue.revisions.get()
    assert revision.go_live_at == utc
    [(level, text)] = messages_of(response)
    assert level == "success"
    assert "Europe/London" in text and f"{utc:%H:%M} UTC" in text


def test_the_transition_url_refuses_get(client, users, make_issue):
    issue = make_issue()
    client.force_login(users["editor"])
    assert client.get(transition_url(issue, "submit")).status_code == 405
    assert issue.events.count() == 0


def test_the_transition_url_needs_a_csrf_token(users, make_issue):
    from django.test import Client

    issue = make_issue()
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["editor"])
    assert client.post(transition_url(issue, "submit")).status_code == 403
    assert issue.events.count() == 0


def test_the_transition_url_sends_anonymous_users_to_log_in(client, make_issue):
    issue = make_issue()
    response = client.post(transition_url(issue, "submit"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert issue.events.count() == 0


def test_a_transition_on_a_missing_issue_is_not_a_server_error(client, users):
    client.force_login(users["editor"])
    response = client.post(reverse("admin:newsletter_issue_transition", args=[999, "submit"]))
    assert response.status_code == 302


# The timeline and the note for the submitter -----------------------------------------


def test_the_timeline_lists_events_newest_first_with_comments_escaped(client, users, make_issue):
    issue = submitted(make_issue(), users)
    perform(
        issue,
        "request_changes",
        by=users["reviewer"],
        comment="<script>alert('x')</script> is not a section title.\nSecond line.",
    )
    html = page(client, users["reviewer"], issue)
    timeline = html.split('class="workflow-timeline"')[1]
    assert "<script>alert" not in html
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; is not a section title.<br>Second line."
        in (timeline)
    )
    assert timeline.index("Request changes") < timeline.index("Submit for review")
    assert "In review → Draft" in timeline
    assert "rita" in timeline and "eddie" in timeline


@pytest.mark.urls(__name__)
def test_timeline_revisions_link_to_their_preview(client, users, make_issue):
    issue = submitted(make_issue(), users)
    html = page(client, users["reviewer"], issue)
    timeline = html.split('class="workflow-timeline"')[1]
    assert f'<a href="/editorial/preview/{issue.pk}/1/">revision 1</a>' in timeline


def test_the_submitter_sees_why_the_issue_came_back(client, users, make_issue):
    issue = submitted(make_issue(), users)
    perform(issue, "request_changes", by=users["reviewer"], comment="Shorten the intro.")
    html = page(client, users["editor"], issue)
    note = html.split('class="workflow-sent-back"')[1].split("</div>")[0]
    assert "Changes requested" in note
    assert "rita" in note
    assert "Shorten the intro." in note


def test_the_note_goes_once_the_issue_is_submitted_again(client, users, make_issue):
    issue = submitted(make_issue(), users)
    perform(issue, "request_changes", by=users["reviewer"], comment="Shorten the intro.")
    perform(issue, "submit", by=users["editor"])
    html = page(client, users["editor"], issue)
    assert "workflow-sent-back" not in html


# The review queue on the admin index -------------------------------------------------


def test_a_reviewer_sees_what_waits_for_review_oldest_first(
    client, users, make_issue, django_user_model
):
    first = make_issue(number=1, title="First in")
    second = make_issue(number=2, title="Second in")
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)):
        submitted(first, users)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        submitted(second, users)
    make_issue(number=3, title="Still a draft")

    client.force_login(users["reviewer"])
    html = client.get(reverse("admin:index")).text

    queue = html.split('id="review-queue-waiting"')[1].split("</div>")[0]
    assert "Waiting for your review" in queue
    assert queue.index("First in") < queue.index("Second in")
    assert "Still a draft" not in queue
    assert "submitted by eddie" in queue
    assert "Sun 1 Mar 2026, 09:00 GMT" in queue


def test_a_reviewer_is_not_asked_to_review_their_own_submission(
    client, users, make_issue, django_user_model
):
    from django.contrib.auth.models import Group

    both = django_user_model.objects.create_user(username="bo", is_staff=True)
    both.groups.add(*Group.objects.filter(name__in=["Editors", "Reviewers"]))
    issue = make_issue(title="My own work")
    perform(issue, "submit", by=both)

    client.force_login(both)
    html = client.get(reverse("admin:index")).text
    assert "Waiting for your review" in html
    assert "My own work" not in html.split('id="review-queue-waiting"')[1].split("</div>")[0]


def test_a_publisher_sees_no_review_queue(client, users, make_issue):
    submitted(make_issue(title="Needs a look"), users)
    client.force_login(users["publisher"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Waiting for your review" not in response.text
    assert "Needs a look" not in response.text


def test_an_editor_sees_what_was_sent_back_to_them_with_the_comment(client, users, make_issue):
    issue = submitted(make_issue(title="Back to you"), users)
    perform(issue, "request_changes", by=users["reviewer"], comment="Fix the <b>links</b>.")
    submitted(make_issue(number=2, title="Still in review"), users)

    client.force_login(users["editor"])
    html = client.get(reverse("admin:index")).text
    sent_back = html.split('id="review-queue-sent-back"')[1].split("</div>")[0]
    assert "Back to you" in sent_back
    assert "Fix the &lt;b&gt;links&lt;/b&gt;." in sent_back
    assert "Still in review" not in sent_back
    assert "Waiting for your review" not in html


def test_the_review_queue_takes_the_same_queries_however_long_it_is(client, users, make_issue):
    client.force_login(users["reviewer"])
    submitted(make_issue(number=1), users)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("admin:index"))
    for number in range(2, 6):
        submitted(make_issue(number=number), users)
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("admin:index"))
    assert response.text.count("revision 1)") == 5
    assert len(five) == len(one)


def test_the_admin_index_links_to_the_calendar(client, users):
    client.force_login(users["editor"])
    html = client.get(reverse("admin:index")).text
    assert f'href="{reverse("admin:newsletter_issue_calendar")}"' in html


def test_the_event_log_is_read_only_in_the_admin(client, users, make_issue):
    submitted(make_issue(), users)
    client.force_login(users["editor"])
    response = client.get(reverse("admin:editorial_event_changelist"))
    assert response.status_code == 200
    assert "submit" in response.text
    event = Event.objects.get()
    assert client.get(reverse("admin:editorial_event_add")).status_code == 403
    response = client.post(reverse("admin:editorial_event_change", args=[event.pk]), {})
    assert response.status_code == 403
    assert Event.objects.get().action == "submit"


def test_the_event_log_speaks_the_words_of_the_workflow_buttons(client, users, make_issue):
    approved(make_issue(), users)
    client.force_login(users["publisher"])
    changelist = reverse("admin:editorial_event_changelist")

    html = client.get(changelist).text
    assert '<td class="field-action_shown">Submit for review</td>' in html
    assert '<td class="field-action_shown">Approve</td>' in html
    assert '<td class="field-from_shown">In review</td>' in html
    assert '<td class="field-to_shown">Approved</td>' in html
    assert "in_review" not in html.split('id="result_list"')[1].split("</table>")[0]
    assert ">Publish now</a>" in html  # the filter names every action by its button

    filtered = client.get(changelist, {"action": "approve"}).text
    assert '<td class="field-action_shown">Approve</td>' in filtered
    assert "Submit for review</td>" not in filtered
    by_state = client.get(changelist, {"to_state": "in_review"}).text
    assert '<td class="field-action_shown">Submit for review</td>' in by_state
    assert "Approve</td>" not in by_state


def test_the_issue_list_with_bulk_actions_opens_for_a_superuser(admin_client, make_issue):
    """The workflow buttons must not shadow the admin's own bulk-action form."""
    make_issue()
    response = admin_client.get(reverse("admin:newsletter_issue_changelist"))
    assert response.status_code == 200
    assert 'name="action"' in response.text


def test_the_audit_trail_can_be_read_but_not_written_in_the_admin(admin_client, make_issue):
    from editorial.models import Event

    issue = make_issue()
    event = Event.objects.create(issue=issue, action="submit", from_state="draft", to_state="x")
    assert admin_client.get(reverse("admin:editorial_event_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:editorial_event_add")).status_code == 403
    change = admin_client.post(reverse("admin:editorial_event_change", args=[event.pk]), {})
    assert change.status_code == 403
    delete = reverse("admin:editorial_event_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_a_comment_with_a_nul_character_is_refused_with_a_message_not_a_server_error(
    client, users, make_issue
):
    # PostgreSQL cannot store U+0000 in text: it must be refused before the transaction.
    issue = submitted(make_issue(), users)
    events = Event.objects.count()

    response = post(client, users["reviewer"], issue, "request_changes", comment="Cut\x00 it.")

    assert response.status_code == 302
    assert Event.objects.count() == events
    issue.refresh_from_db()
    assert issue.state == "in_review"
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert "U+0000" in text


def test_after_cancelling_a_schedule_the_publisher_can_publish_it_now(client, users, make_issue):
    """The page the publisher comes back to says the revision is still approved and offers
    publishing it now or scheduling it again."""
    issue = scheduled(make_issue(), users)

    response = post(client, users["publisher"], issue, "cancel_schedule")

    [(level, text)] = messages_of(response)
    assert "still approved: publish it now or schedule it again" in text
    assert {"publish", "schedule"} <= buttons(page(client, users["publisher"], issue))
