"""The publication calendar: what goes live and what ends, month by month, in London time."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from editorial.workflow import perform
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
CALENDAR = "admin:newsletter_issue_calendar"


@pytest.fixture(autouse=True)
def site_in_london(settings):
    settings.TIME_ZONE = "Europe/London"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast


@pytest.fixture
def june(make_issue):
    """Issue 1 live since 2 June; issue 2 scheduled for 20 June; now is 15 June."""
    live_issue = make_issue(number=1, title="Live since June")
    scheduled_issue = make_issue(number=2, title="Coming later in June")
    publish(live_issue, at=datetime(2026, 6, 2, 8, 0, tzinfo=UTC))
    with time_machine.travel(NOW):
        publish(scheduled_issue, at=datetime(2026, 6, 20, 10, 0, tzinfo=UTC))
    return live_issue, scheduled_issue


def calendar(client, user, **params):
    client.force_login(user)
    with time_machine.travel(NOW):
        return client.get(reverse(CALENDAR), params)


def entry_rows(html):
    return [row.split("</tr>")[0] for row in html.split('<tr class="calendar-entry')[1:]]


def test_the_calendar_lists_a_live_and_a_scheduled_revision_in_their_month(client, editor, june):
    live_issue, scheduled_issue = june
    response = calendar(client, editor, month="2026-06")

    assert response.status_code == 200
    live_row, scheduled_row = entry_rows(response.text)
    assert "#1 Live since June" in live_row
    assert "Tue 2 Jun 2026, 09:00 BST" in live_row and "08:00 UTC" in live_row
    assert "(Europe/London)" in live_row
    assert "goes live" in live_row and ">live<" in live_row
    assert reverse("admin:newsletter_issue_change", args=[live_issue.pk]) in live_row
    assert "#2 Coming later in June" in scheduled_row
    assert "Sat 20 Jun 2026, 11:00 BST" in scheduled_row and "10:00 UTC" in scheduled_row
    assert ">scheduled<" in scheduled_row
    assert "Times are in Europe/London" in response.text


def test_other_months_do_not_list_them(client, editor, june):
    response = calendar(client, editor, month="2026-05")
    assert entry_rows(response.text) == []
    assert "No revision goes live or ends in May 2026." in response.text


def test_the_calendar_shows_when_a_revision_ends(client, editor, publisher, june):
    live_issue, _ = june
    with time_machine.travel(datetime(2026, 7, 4, 16, 0, tzinfo=UTC)):
        perform(live_issue, "unpublish", by=publisher)

    client.force_login(editor)
    with time_machine.travel(datetime(2026, 7, 5, tzinfo=UTC)):
        response = client.get(reverse(CALENDAR), {"month": "2026-07"})
    [row] = entry_rows(response.text)
    assert "#1 Live since June" in row
    assert "ends" in row and ">ended<" in row
    assert "Sat 4 Jul 2026, 17:00 BST" in row


def test_months_run_midnight_to_midnight_in_london_not_utc(client, editor, make_issue):
    issue = make_issue(title="Just after midnight")
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    publish(issue, at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert entry_rows(calendar(client, editor, month="2026-06").text) == []
    [row] = entry_rows(calendar(client, editor, month="2026-07").text)
    assert "Wed 1 Jul 2026, 00:30 BST" in row
    assert "Tue 30 Jun 2026, 23:30 UTC" in row


def test_the_calendar_defaults_to_the_current_month_with_links_either_side(client, editor, june):
    response = calendar(client, editor)
    assert response.status_code == 200
    assert "Publication calendar: June 2026" in response.text
    assert 'href="?month=2026-05" rel="prev"' in response.text
    assert 'href="?month=2026-07" rel="next"' in response.text
    assert len(entry_rows(response.text)) == 2


def test_the_year_turns_in_the_month_links(client, editor):
    response = calendar(client, editor, month="2026-12")
    assert 'href="?month=2026-11" rel="prev"' in response.text
    assert 'href="?month=2027-01" rel="next"' in response.text
    assert 'href="?month=2026-06">This month' in response.text


@pytest.mark.parametrize("bad", ["garbage", "2026-13", "2026-00", "2026-6", "0000-01", "9999-12"])
def test_a_bad_month_shows_the_current_month_with_a_message(client, editor, june, bad):
    response = calendar(client, editor, month=bad)
    assert response.status_code == 200
    assert "Publication calendar: June 2026" in response.text
    [message] = list(get_messages(response.wsgi_request))
    assert "is not a month" in str(message)
    assert "is not a month" in response.text


def test_the_calendar_needs_a_staff_user_who_may_see_issues(client, django_user_model):
    assert client.get(reverse(CALENDAR)).status_code == 302  # to the login page
    nobody = django_user_model.objects.create_user(username="nobody", is_staff=True)
    client.force_login(nobody)
    assert client.get(reverse(CALENDAR)).status_code == 403


def test_the_issue_list_links_to_the_calendar(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:newsletter_issue_changelist"))
    assert f'<a href="{reverse(CALENDAR)}">Publication calendar</a>' in response.text


def test_the_calendar_takes_the_same_queries_however_busy_the_month(
    client, editor, make_issue, django_assert_max_num_queries
):
    for number in range(1, 5):
        publish(make_issue(number=number), at=datetime(2026, 6, number, 8, 0, tzinfo=UTC))
    client.force_login(editor)
    with django_assert_max_num_queries(8), time_machine.travel(NOW):
        response = client.get(reverse(CALENDAR), {"month": "2026-06"})
    assert len(entry_rows(response.text)) == 4
