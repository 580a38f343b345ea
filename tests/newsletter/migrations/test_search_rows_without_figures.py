"""Migration 0018, run by Django's executor on its historical models, writes the search
rows of every revision with a figure exactly as freezing writes them now, from its own
frozen copy of that code; the rows of revisions without one are left as they are."""

import json
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from newsletter.content.search_index import write_entries
from newsletter.models import Issue, Item, Paper, Revision, SearchEntry, Section
from tests.helpers.reader import make_image
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("newsletter", "0017_searchentry_arxiv_ids")
STORED = Path(__file__).parent.parent / "content" / "stored_snapshots"
ROWS = """
    SELECT revision_id, kind, anchor, position, title, byline, text, issue_title, issue_slug,
           vector::text, paper_key, arxiv_id, arxiv_url, paper_url, code_url, demo_url
    FROM newsletter_searchentry ORDER BY revision_id, position
"""
FIGURE = "![A chart of airship sales](/media/images/2024/05/chart.jpg)"
CAPTIONED = (
    '<figure><img src="/media/images/2024/05/chart.jpg" alt="A chart">'
    "<figcaption>Zeppelins &amp; blimps, 1920 to 2020 <span>Jo Doe</span></figcaption></figure>"
)


def search_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(ROWS)
        return cursor.fetchall()


def migrate_back_to(target):
    """Unapply the migrations after `target`, then apply every migration again."""
    MigrationExecutor(connection).migrate([target])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def issue_with_figures_everywhere() -> Issue:
    issue = Issue.objects.create(
        number=1,
        title="Airships <again>",
        slug="airships",
        summary=f"Airships are back.\n\n{FIGURE}\n\nThey carry robots.",
    )
    section = Section.objects.create(
        issue=issue, title="From the internet", intro=f"Flying things.\n\n{FIGURE}", position=0
    )
    Item.objects.create(
        section=section,
        title="Cargo by air",
        source="The Gazette",
        url="https://example.com/cargo",
        body=f"Write `<script>` to start.\n\n{FIGURE}\n\nAnd 5 > 3 & so on.",
        position=0,
    )
    Paper.objects.create(
        section=section,
        title="Tree of Thoughts",
        authors="Yao, Yu",
        arxiv_id="2305.10601v2",
        summary=f"Search over thoughts.\n\n{FIGURE}",
        position=1,
    )
    Paper.objects.create(
        section=section, title="A Paper, Without an ID!", authors="Doe", position=2
    )
    return issue


def schema_1_revision_with_a_figure() -> Revision:
    """A revision frozen in schema 1 (tests/newsletter/content/stored_snapshots), a figure
    added to its summary and its first section's intro."""
    snapshot = json.loads((STORED / "schema-1.json").read_text())
    snapshot["issue"]["summary_html"] += CAPTIONED
    snapshot["sections"][0]["intro_html"] = f"<p>Mine.</p>{CAPTIONED}"
    issue = Issue.objects.create(number=3, title="Schema one", slug="schema-one")
    return Revision.objects.create(issue=issue, number=1, snapshot=snapshot)


def test_migrating_through_0018_writes_the_rows_freezing_writes_now():
    make_image("chart", caption="Zeppelins & blimps, 1920 to 2020", credit="Jo Doe")
    figures = publish(issue_with_figures_everywhere())
    plain = Issue.objects.create(number=2, title="Plain", slug="plain", summary="No figure.")
    Item.objects.create(
        section=Section.objects.create(issue=plain, title="News", position=0),
        title="Robots",
        body="Robots and no figure.",
        position=0,
    )
    plain = publish(plain)
    old = schema_1_revision_with_a_figure()
    write_entries(SearchEntry, old.pk, old.snapshot)
    assert "<figure" in json.dumps(figures.snapshot)
    expected = search_rows()  # as freezing writes them now
    plain_ids = set(plain.search_entries.values_list("pk", flat=True))
    # The rows of the revisions with figures as freezing wrote them before 0018: the
    # captions run into the text, the vector without them.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE newsletter_searchentry SET text = text || ' Zeppelins & blimps',"
            " vector = setweight(to_tsvector('english', title), 'A')"
            " WHERE revision_id IN (%s, %s)",
            [figures.pk, old.pk],
        )
    assert search_rows() != expected

    migrate_back_to(BEFORE)

    assert search_rows() == expected
    assert set(plain.search_entries.values_list("pk", flat=True)) == plain_ids  # untouched
