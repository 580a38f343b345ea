"""The featured-before index: written when a revision is frozen, read for live revisions."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from curation.featured import featured_before
from curation.models import FeaturedLink
from curation.urls_normalisation import arxiv_key, link_key
from editorial.workflow import perform
from newsletter.models import Revision
from tests.helpers.reader import correct

pytestmark = pytest.mark.django_db


def test_freezing_a_revision_writes_its_links_and_papers(make_issue, editor):
    issue = make_issue(number=3)
    event = perform(issue, "submit", by=editor)
    rows = FeaturedLink.objects.filter(revision=event.revision).order_by("id")
    assert {(row.kind, row.key, row.section_title) for row in rows} == {
        ("item", "example.com/laptop", "My work"),
        ("paper", "arxiv:1706.03762", "Papers & research"),
    }
    assert all(row.issue_number == 3 for row in rows)


def test_only_live_revisions_count(make_issue, editor):
    make_issue(number=1)
    perform(make_issue(number=2), "submit", by=editor)
    assert featured_before([link_key("https://example.com/laptop")]) == []


def test_a_scheduled_issue_counts_from_its_go_live_second(published):
    at = timezone.now() + timedelta(hours=2)
    published(number=4, at=at)
    key = arxiv_key("1706.03762v2")
    assert featured_before([key]) == []
    with time_machine.travel(at + timedelta(seconds=1)):
        (found,) = featured_before([key])
    assert (found.issue_number, found.section_title, found.entry_title) == (
        4, "Papers & research", "Attention Is All You Need",
    )  # fmt: skip
    assert found.url.endswith("#" + found.url.split("#")[1]) and "/issues/4-" in found.url
    assert str(found).startswith("#4, Papers & research, ")


def test_the_issue_being_edited_is_left_out(published):
    issue = published(number=5)
    assert featured_before(["example.com/laptop"], exclude_issue=issue.pk) == []
    assert len(featured_before(["example.com/laptop"])) == 1


def test_an_appearance_reads_its_issue_address_not_the_whole_snapshot(published):
    issue = published(number=6)
    with CaptureQueriesContext(connection) as queries:
        (found,) = featured_before([arxiv_key("1706.03762")])

    assert found.url == f"/issues/6-{issue.slug}/#paper-attention-is-all-you-need"
    assert found.published == Revision.objects.live().get(issue=issue).go_live_at
    # The snapshot is read for its slug only, never loaded whole (and parsed) per appearance.
    selected = [q["sql"] for q in queries if "curation_featuredlink" in q["sql"]]
    assert selected and not any(re.search(r'"snapshot"\s*(,|FROM)', sql) for sql in selected)


def test_an_appearance_is_dated_by_its_issue_first_publication_not_a_later_correction(
    published,
):
    """A correction republished days later is the same issue: featured the day it came out."""
    first = timezone.now() - timedelta(days=10)
    with time_machine.travel(first, tick=False):
        issue = published(number=7)
    correct(issue, title="Issue seven, corrected")
    key = arxiv_key("1706.03762")

    (found,) = featured_before([key])

    revisions = Revision.objects.filter(issue=issue).exclude(go_live_at=None)
    assert revisions.count() == 2
    assert Revision.objects.live().get(issue=issue).go_live_at > first + timedelta(days=9)
    assert found.published == first
    assert str(found).endswith(f", {first:%d %b %Y}")
    # Before the correction, the same date.
    (before,) = featured_before([key], at=first + timedelta(days=1))
    assert before.published == first
