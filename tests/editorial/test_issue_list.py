"""The issue list shows what readers see: the live revision since when, the next scheduled one."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsletter.models import Issue
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
LIST = "admin:newsletter_issue_changelist"


@pytest.fixture(autouse=True)
def site_in_london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def june(make_issue):
    """Issue 1 live since 2 June with a correction for 25 June; 2 scheduled; 3 never published."""
    live_issue = make_issue(number=1, title="Live since June")
    scheduled_issue = make_issue(number=2, title="Coming later in June")
    draft = make_issue(number=3, title="Still a draft")
    publish(live_issue, at=datetime(2026, 6, 2, 8, 0, tzinfo=UTC))
    with time_machine.travel(NOW):
        publish(scheduled_issue, at=datetime(2026, 6, 20, 10, 0, tzinfo=UTC))
        publish(live_issue, at=datetime(2026, 6, 25, 17, 30, tzinfo=UTC))
    return live_issue, scheduled_issue, draft


def issue_list(client, user, **params):
    client.force_login(user)
    with time_machine.travel(NOW):
        return client.get(reverse(LIST), params)


def rows(response):
    """Each result row's text by issue number."""
    issues = response.context["cl"].result_list
    return {issue.number: row for issue, row in zip(issues, cells(response), strict=True)}


def cells(response):
    html = response.text.split('<table id="result_list">')[1].split("</table>")[0]
    return [row.split("</tr>")[0] for row in html.split("<tbody>")[1].split("<tr")[1:]]


def test_the_list_has_live_and_scheduled_columns_after_the_state(client, editor, june):
    response = issue_list(client, editor)

    headers = response.text.split('<table id="result_list">')[1].split("</thead>")[0]
    assert headers.index("State") < headers.index("Live") < headers.index("Scheduled")


def test_live_shows_the_live_revision_and_since_when_in_the_site_zone(client, editor, june):
    by_number = rows(issue_list(client, editor))

    live = by_number[1]
    assert "revision 1<br>" in live and ">since <time" in live
    assert "Tue 2 Jun 2026, 09:00 BST" in live
    assert 'datetime="2026-06-02T08:00:00+00:00"' in live
    assert "(Europe/London), 08:00 UTC" in live  # on hover
    assert "since" not in by_number[2]
    assert "since" not in by_number[3]


def test_scheduled_shows_the_next_go_live_time_or_a_dash(client, editor, june):
    by_number = rows(issue_list(client, editor))

    assert "revision 2<br>" in by_number[1] and "Thu 25 Jun 2026, 18:30 BST" in by_number[1]
    assert "revision 1<br>" in by_number[2] and "Sat 20 Jun 2026, 11:00 BST" in by_number[2]
    assert by_number[3].count("—") == 2  # neither live nor scheduled


def test_the_next_scheduled_is_the_earliest_of_several(client, editor, june):
    live_issue = june[0]
    with time_machine.travel(NOW):
        publish(live_issue, at=datetime(2026, 6, 22, 9, 0, tzinfo=UTC))

    row = rows(issue_list(client, editor))[1]
    assert "revision 3<br>" in row and "Mon 22 Jun 2026, 10:00 BST" in row
    assert "25 Jun" not in row


@pytest.mark.parametrize(
    ("value", "numbers"),
    [("live", [1]), ("scheduled", [1, 2]), ("not_live", [2, 3]), (None, [1, 2, 3])],
)
def test_the_publication_filter(client, editor, june, value, numbers):
    params = {"publication": value} if value else {}
    response = issue_list(client, editor, **params)

    assert sorted(issue.number for issue in response.context["cl"].result_list) == numbers


def test_the_filter_is_offered_with_its_choices(client, editor, june):
    page = issue_list(client, editor).text

    assert "By publication" in page
    for label in ("Live", "Scheduled", "Not live"):
        assert f">{label}</a>" in page


def test_sorting_by_the_live_column_works(client, editor, june):
    response = issue_list(client, editor)
    column = response.context["cl"].list_display.index("live_revision")

    sorted_page = issue_list(client, editor, o=str(column))
    assert sorted_page.status_code == 200


def _queries(client):
    with CaptureQueriesContext(connection) as queries, time_machine.travel(NOW):
        assert client.get(reverse(LIST)).status_code == 200
    return len(queries)


def test_the_publication_columns_do_not_query_once_per_row(client, editor, make_issue):
    client.force_login(editor)

    def add_rows(numbers):
        for number in numbers:
            issue = make_issue(number=number, title=f"Issue {number}")
            publish(issue, at=datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
            with time_machine.travel(NOW):
                publish(issue, at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
        # Only these columns are measured here; the whole page is measured in
        # tests/newsletter/admin/test_admin.py (test_list_pages_do_not_query_once_per_row).
        Issue.objects.update(updated_by=None)

    add_rows(range(1, 4))
    few = _queries(client)
    add_rows(range(4, 11))
    many = _queries(client)

    assert many == few
