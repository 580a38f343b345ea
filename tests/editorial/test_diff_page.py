"""The diff page looks like the rest of the admin: its breadcrumbs, its times."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from editorial.workflow import perform
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def site_in_london(settings):
    settings.TIME_ZONE = "Europe/London"


def diff_page(client, user, issue, number):
    client.force_login(user)
    with time_machine.travel(NOW):
        response = client.get(reverse("editorial:diff", args=[issue.pk, number]))
    assert response.status_code == 200
    return response.text


def breadcrumbs(html):
    nav = html.split('<nav aria-label="Breadcrumbs">')[1].split("</nav>")[0]
    return re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S), nav


def test_the_breadcrumbs_are_the_admins_list_ending_at_this_page(client, reviewer, make_issue):
    issue = make_issue(number=7, title="Seven wonders of attention")
    publish(issue, at=datetime(2026, 6, 1, 8, 0, tzinfo=UTC))

    crumbs, nav = breadcrumbs(diff_page(client, reviewer, issue, 1))

    assert '<ol class="breadcrumbs">' in nav  # styled by the admin's own CSS, as elsewhere
    assert 'class="breadcrumbs"' not in nav.replace('<ol class="breadcrumbs">', "", 1)
    assert "›" not in nav  # the admin's CSS draws the separators
    assert [re.sub(r"<[^>]+>", "", crumb).strip() for crumb in crumbs] == [
        "Home",
        "Newsletter content",
        "Issues",
        str(issue),
        "Revision 1: changes",
    ]
    assert f'href="{reverse("admin:index")}"' in crumbs[0]
    assert f'href="{reverse("admin:newsletter_issue_changelist")}"' in crumbs[2]
    assert f'href="{reverse("admin:newsletter_issue_change", args=[issue.pk])}"' in crumbs[3]
    assert '<li aria-current="page">Revision 1: changes</li>' in nav


def test_a_scheduled_revisions_time_is_shown_in_the_site_zone(client, reviewer, make_issue):
    issue = make_issue()
    with time_machine.travel(NOW):
        publish(issue, at=datetime(2026, 6, 20, 10, 0, tzinfo=UTC))

    page = diff_page(client, reviewer, issue, 1)

    assert "<strong>scheduled</strong>" in page
    assert "Sat 20 Jun 2026, 11:00 BST" in page
    assert "(Europe/London)" in page and "10:00 UTC" in page


def test_a_first_submission_is_compared_with_an_empty_issue_showing_all_of_it(
    client, reviewer, make_issue, editor
):
    """A reviewer of a first version reads every word of it as added, not "nothing to
    compare with"."""
    issue = make_issue(title="Seven wonders of attention")
    perform(issue, "submit", by=editor)

    page = diff_page(client, reviewer, issue, 1)

    assert "nothing to compare with" not in page
    assert "is the first revision of this issue" not in page
    assert "Revision 1 is the first version of this issue" in page
    assert "all of it is shown as added" in page
    assert "<ins>Seven wonders of attention</ins>" in page
    for section in issue.sections.all():
        assert f"Section “{escape(section.title)}”" in page
        for item in section.items.all():
            assert f"<ins>{escape(item.title)}</ins>" in page
            assert escape(item.body.split()[0].strip("*")) in page
        for paper in section.papers.all():
            assert f"<ins>{escape(paper.title)}</ins>" in page
            assert f"<ins>{paper.arxiv_id}</ins>" in page
    assert page.count('class="tag tag-added"') >= 4  # the sections and their entries


def test_the_revisions_publication_is_said_in_a_sentence(
    client, editor, reviewer, publisher, make_issue
):
    """ "Revision 2 has never been published", "Revision 1 is no longer published": not
    "is never published" or "is ended", the status words put after "is"."""
    issue = make_issue()
    with time_machine.travel(datetime(2026, 6, 1, 8, 0, tzinfo=UTC), tick=False):
        publish(issue)
    with time_machine.travel(datetime(2026, 6, 10, 8, 0, tzinfo=UTC), tick=False):
        perform(issue, "unpublish", by=publisher)
    issue.refresh_from_db()
    issue.summary = "A new summary."
    issue.save()
    perform(issue, "submit", by=editor)

    ended = diff_page(client, reviewer, issue, 1)
    in_review = diff_page(client, reviewer, issue, 2)

    assert "Revision 1 is <strong>no longer published</strong>." in ended
    assert "Revision 2 has <strong>never been published</strong>." in in_review
    assert "is <strong>never published</strong>" not in in_review
    assert "is <strong>ended</strong>" not in ended
