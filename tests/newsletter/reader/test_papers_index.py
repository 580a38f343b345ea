"""The papers index reads rows written when a revision is frozen, never a snapshot's sections.

Each paper appearance is a search row of kind "paper" holding the paper's key and its card;
the index groups the live revisions' rows by key in PostgreSQL, so what it shows follows
the publication intervals exactly as the issue pages do.
"""

import importlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from editorial.roles import EDITORS, PUBLISHERS
from editorial.workflow import perform
from newsletter.content.search_index import fill_paper_rows
from newsletter.models import Issue, Paper, Revision, SearchEntry, Section
from tests.helpers.reader import STATE_QUERY
from tests.helpers.workflow import publish, role_user

pytestmark = pytest.mark.django_db

STORED = Path(__file__).parents[1] / "content" / "stored_snapshots"
COLUMNS = (
    "revision_id",
    "kind",
    "anchor",
    "position",
    "title",
    "byline",
    "text",
    "vector",
    "paper_key",
    "arxiv_id",
    "arxiv_url",
    "paper_url",
    "code_url",
    "demo_url",
)


def at_year(year: int) -> datetime:
    return datetime(year, 6, 1, 12, tzinfo=UTC)


def page(client, **query) -> str:
    response = client.get("/papers/", query)
    assert response.status_code == 200
    return response.content.decode()


def card_titles(html: str) -> list[str]:
    return re.findall(r"<h2>(?:<a [^>]*>)?([^<]+)", html)


def appearance_links(html: str) -> list[str]:
    return re.findall(r'<a href="(/issues/[^"]+)">Issue #', html)


def rows(revision) -> list[dict]:
    return list(SearchEntry.objects.filter(revision=revision).order_by("position").values())


def add_paper(issue, title, **fields) -> Paper:
    section = Section.objects.get(issue=issue, title="Papers & research")
    return Paper.objects.create(
        section=section, title=title, position=fields.pop("position", 1), **fields
    )


def submit(issue):
    return perform(issue, "submit", by=role_user("wf-editor", EDITORS)).revision


# Written at freeze, never changed


def test_freezing_writes_each_paper_with_its_key_and_card_before_anything_is_live(
    client, make_issue
):
    issue = make_issue()
    add_paper(
        issue,
        "LoRA: Low-Rank Adaptation",
        authors="Edward J. Hu et al.",
        arxiv_id="2106.09685v2",
        code_url="https://github.com/microsoft/LoRA",
        demo_url="https://example.com/lora-demo",
    )
    add_paper(issue, "Scaling Laws — A Study", position=2)

    revision = submit(issue)

    papers = [row for row in rows(revision) if row["kind"] == "paper"]
    assert [
        {k: row[k] for k in ("anchor", "title", "byline", "paper_key", "arxiv_id", "code_url")}
        for row in papers
    ] == [
        {
            "anchor": "paper-attention-is-all-you-need",
            "title": "Attention Is All You Need",
            "byline": "Ashish Vaswani, Noam Shazeer, Niki Parmar, et al.",
            "paper_key": "arxiv:1706.03762",
            "arxiv_id": "1706.03762",
            "code_url": "",
        },
        {
            "anchor": "paper-lora-low-rank-adaptation",
            "title": "LoRA: Low-Rank Adaptation",
            "byline": "Edward J. Hu et al.",
            "paper_key": "arxiv:2106.09685",
            "arxiv_id": "2106.09685v2",
            "code_url": "https://github.com/microsoft/LoRA",
        },
        {
            "anchor": "paper-scaling-laws-a-study",
            "title": "Scaling Laws — A Study",
            "byline": "",
            "paper_key": "title:scaling laws a study",
            "arxiv_id": "",
            "code_url": "",
        },
    ]
    assert papers[1]["arxiv_url"] == "https://arxiv.org/abs/2106.09685v2"
    assert papers[1]["demo_url"] == "https://example.com/lora-demo"
    assert papers[0]["paper_url"] == "https://arxiv.org/abs/1706.03762"
    assert {row["paper_key"] for row in rows(revision) if row["kind"] != "paper"} == {""}
    # In review, not live: the index does not show it.
    assert "No paper has been featured yet" in page(client)


def test_a_revisions_rows_never_change_once_frozen(make_issue):
    issue = make_issue()
    first = publish(issue)
    written = rows(first)
    publisher = role_user("wf-publisher", PUBLISHERS)

    Paper.objects.filter(section__issue=issue).update(title="Attention, revised", arxiv_id="")
    correction = publish(Issue.objects.get(pk=issue.pk))
    perform(Issue.objects.get(pk=issue.pk), "unpublish", by=publisher)

    assert rows(first) == written
    assert [r["paper_key"] for r in rows(correction) if r["kind"] == "paper"] == [
        "title:attention revised"
    ]


# The publication interval


def test_an_unpublished_issue_leaves_the_index(client, published):
    issue = published(1)
    assert card_titles(page(client)) == ["Attention Is All You Need"]

    perform(issue, "unpublish", by=role_user("wf-publisher", PUBLISHERS))

    assert card_titles(page(client)) == []


def test_a_scheduled_issue_joins_the_index_at_its_second(client, published, make_issue):
    published(1)
    later = make_issue(2)
    add_paper(later, "A scheduled paper")
    go_live = timezone.now() + timedelta(hours=1)
    publish(later, at=go_live)

    assert card_titles(page(client)) == ["Attention Is All You Need"]
    with time_machine.travel(go_live - timedelta(seconds=1), tick=False):
        assert card_titles(page(client)) == ["Attention Is All You Need"]
    with time_machine.travel(go_live, tick=False):
        html = page(client)
    assert card_titles(html) == ["Attention Is All You Need", "A scheduled paper"]
    assert appearance_links(html) == [
        "/issues/2-issue-2/#paper-attention-is-all-you-need",
        "/issues/1-issue-1/#paper-attention-is-all-you-need",
        "/issues/2-issue-2/#paper-a-scheduled-paper",
    ]


def test_a_superseded_revision_ends_and_its_correction_shows_from_that_moment(client, make_issue):
    issue = make_issue()
    with time_machine.travel(at_year(2025), tick=False):
        publish(issue)
    Paper.objects.filter(section__issue=issue).update(title="Attention (corrected)")
    Issue.objects.filter(pk=issue.pk).update(title="Small models, corrected")
    with time_machine.travel(at_year(2025) + timedelta(days=1), tick=False):
        publish(Issue.objects.get(pk=issue.pk))

    assert card_titles(page(client)) == ["Attention (corrected)"]
    assert "Issue #1: Small models, corrected</a>" in page(client)
    # The issue keeps its first publication date, so its year, after the correction.
    assert card_titles(page(client, year="2025")) == ["Attention (corrected)"]
    with time_machine.travel(at_year(2025) + timedelta(hours=1), tick=False):
        assert card_titles(page(client)) == ["Attention Is All You Need"]
        assert "Issue #1: Small models, big ideas</a>" in page(client)


# Grouping, the year filter and paging


def test_one_paper_in_two_issues_is_one_card_from_its_newest_appearance_with_both(
    client, make_issue
):
    for number, year, title, arxiv_id in (
        (1, 2025, "Attention is all you need", "1706.03762v1"),
        (2, 2026, "Attention Is All You Need (v5)", "1706.03762v5"),
    ):
        issue = make_issue(number)
        Paper.objects.filter(section__issue=issue).update(title=title, arxiv_id=arxiv_id)
        add_paper(issue, f"Only in {year}")
        publish(issue, at=at_year(year))

    html = page(client)

    assert card_titles(html) == [
        "Attention Is All You Need (v5)",
        "Only in 2026",
        "Only in 2025",
    ]
    assert "arXiv:1706.03762v5</a>" in html and "1706.03762v1" not in html
    assert appearance_links(html) == [
        "/issues/2-issue-2/#paper-attention-is-all-you-need-v5",
        "/issues/1-issue-1/#paper-attention-is-all-you-need",
        "/issues/2-issue-2/#paper-only-in-2026",
        "/issues/1-issue-1/#paper-only-in-2025",
    ]
    assert '<time datetime="2025-06-01T12:00:00Z">1 June 2025</time>' in html


def test_the_year_filter_keeps_a_paper_with_any_appearance_that_year_with_all_of_them(
    client, make_issue
):
    for number, year in ((1, 2024), (2, 2025), (3, 2026)):
        issue = make_issue(number)
        add_paper(issue, f"Only in {year}")
        publish(issue, at=at_year(year))

    html = page(client, year="2025")

    assert card_titles(html) == ["Attention Is All You Need", "Only in 2025"]
    assert appearance_links(html)[:3] == [
        "/issues/3-issue-3/#paper-attention-is-all-you-need",
        "/issues/2-issue-2/#paper-attention-is-all-you-need",
        "/issues/1-issue-1/#paper-attention-is-all-you-need",
    ]
    assert re.findall(r'href="/papers/\?year=(\d+)"', html) == ["2026", "2025", "2024"]


def test_a_page_is_two_queries_that_read_no_snapshot(client, make_issue, monkeypatch):
    monkeypatch.setattr("newsletter.reader.views.PAPERS_PAGE_SIZE", 2)
    for number in range(1, 4):
        issue = make_issue(number)
        add_paper(issue, f"Paper of issue {number}")
        publish(issue, at=at_year(2020 + number))

    with CaptureQueriesContext(connection) as queries:
        second = page(client, page="2")

    assert card_titles(second) == ["Paper of issue 2", "Paper of issue 1"]
    assert "Page 2 of 2 (4 papers)" in second
    # The issue's title and slug too come from the paper's search row.
    assert not any("snapshot" in query["sql"] for query in queries)
    assert len(queries) == STATE_QUERY + 2


# Revisions frozen before the rows held papers (migration 0012)


def migration_fill():
    return importlib.import_module("newsletter.migrations.0012_searchentry_paper_fields")


def test_the_migration_writes_the_rows_of_a_revision_that_has_none(client, published):
    published(1)
    revision = Revision.objects.get()
    written = [{k: r[k] for k in COLUMNS} for r in rows(revision)]
    SearchEntry.objects.filter(revision=revision).delete()
    assert card_titles(page(client)) == []

    migration_fill().fill_paper_rows(apps, None)

    assert [{k: r[k] for k in COLUMNS} for r in rows(revision)] == written
    assert card_titles(page(client)) == ["Attention Is All You Need"]


def test_the_migration_fills_the_paper_columns_of_rows_written_before_them(client, published):
    published(1)
    revision = Revision.objects.get()
    written = rows(revision)
    with connection.cursor() as cursor:
        # The rows as search wrote them before 0012: no key, no links.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER
        cursor.execute(
            "ALTER TABLE newsletter_searchentry DROP CONSTRAINT search_entry_paper_key_of_papers"
        )
        cursor.execute(
            "UPDATE newsletter_searchentry SET paper_key = '', arxiv_id = '', arxiv_url = '',"
            " paper_url = '', code_url = '', demo_url = ''"
        )

    fill_paper_rows(Revision, SearchEntry)

    assert rows(revision) == written  # the same rows, ids included: filled, not rewritten


def test_the_migration_reads_a_schema_1_snapshot(client, make_issue):
    issue = make_issue()
    snapshot = json.loads((STORED / "schema-1.json").read_text())
    assert snapshot["schema"] == 1
    revision = Revision.objects.create(issue=issue, number=1, snapshot=snapshot)
    Revision.objects.filter(pk=revision.pk).update(go_live_at=timezone.now())

    fill_paper_rows(Revision, SearchEntry)

    assert [r["paper_key"] for r in rows(revision) if r["kind"] == "paper"] == [
        "arxiv:1706.03762",
        "arxiv:2006.11239",
        "arxiv:2106.09685",
    ]
    html = page(client)
    assert card_titles(html) == [
        "Attention Is All You Need",
        "Denoising Diffusion Probabilistic Models",
        "LoRA: Low-Rank Adaptation of Large Language Models",
    ]
    assert '<a href="https://github.com/microsoft/LoRA">Code' in html
