"""The search index: each revision's parts, written once when it is frozen.

One `SearchEntry` row per part (the issue's title and summary, each section intro, each
item and paper), so that a search result can link to the part's anchor on its issue page.
A paper's row also holds its key and its card's fields, for the papers index. Querying is
the reader's side: `newsletter.reader.search` and `newsletter.reader.papers`.
"""

import html
import re

from django.db import connections, router

from newsletter.content.snapshot import PaperEntry, Snapshot
from newsletter.content.text import plain_text
from newsletter.models import Revision, SearchEntry

SEARCH_CONFIG = "english"

# ts_headline marks matches with these. They are private-use characters, removed from
# indexed text and from queries, so that after escaping a headline only our own markers
# become <mark>.
START, STOP = "\ue000", "\ue001"
_SENTINELS = str.maketrans("", "", START + STOP)


def searchable_text(fragment_html: str) -> str:
    """The words of a sanitised HTML fragment, with no character the markers could clash with,
    its figures left out: a snippet reads as the text, not run into a caption or credit."""
    return _words(_FIGURE.sub(" ", fragment_html or ""))


def figure_text(fragment_html: str) -> str:
    """The words of the fragment's figures (captions, credits): searched, never shown."""
    return _words(" ".join(_FIGURE.findall(fragment_html or "")))


def _words(fragment_html: str) -> str:
    return " ".join(plain_text(fragment_html).translate(_SENTINELS).split())


# A placed picture (includes/figure.html) in sanitised HTML, which never nests figures.
_FIGURE = re.compile(r"<figure\b.*?</figure>", re.DOTALL | re.IGNORECASE)


def _parser_safe(text: str) -> str:
    # PostgreSQL's text-search parser reads anything between < and > as a tag and drops it.
    return html.escape(text, quote=False)


# What a paper's row holds beyond what every row does, "" in every other row.
PAPER_FIELDS = ("paper_key", "arxiv_id", "arxiv_url", "paper_url", "code_url", "demo_url")
_NOT_A_PAPER = dict.fromkeys(PAPER_FIELDS, "")


def paper_fields(entry) -> dict:
    """The paper columns of an entry's row: its key and its card's links, if a paper."""
    if not isinstance(entry, PaperEntry):
        return _NOT_A_PAPER
    return {
        "paper_key": entry.key,
        "arxiv_id": entry.arxiv_id,
        "arxiv_url": entry.arxiv_url,
        "paper_url": entry.paper_url,
        "code_url": entry.code_url,
        "demo_url": entry.demo_url,
    }


def arxiv_term(paper_key: str) -> str:
    """What a paper's vector holds of its arXiv id, "" for anything else: `arxiv:2305.10601`
    (no version), which the parser reads as the words `arxiv` and `2305.10601`, so that
    a reader's search for the id, or for `arXiv:` and the id, finds every issue that
    featured the paper (`newsletter.reader.search.parser_query` reads the query's ids).
    """
    return paper_key if paper_key.startswith("arxiv:") else ""


def entries_for(snapshot: Snapshot) -> list[dict]:
    """The parts of a snapshot, in page order: field values for SearchEntry, and `figures`,
    the words of the part's figures, which only its vector holds."""
    entries = [
        {
            "kind": SearchEntry.Kind.ISSUE,
            "anchor": "",
            "title": snapshot.issue.title,
            "byline": "",
            "text": searchable_text(snapshot.issue.summary_html),
            "figures": figure_text(snapshot.issue.summary_html),
            **_NOT_A_PAPER,
        }
    ]
    for section in snapshot.sections:
        intro = searchable_text(section.intro_html)
        intro_figures = figure_text(section.intro_html)
        if intro or intro_figures:
            entries.append(
                {
                    "kind": SearchEntry.Kind.SECTION,
                    "anchor": section.anchor,
                    "title": section.title,
                    "byline": "",
                    "text": intro,
                    "figures": intro_figures,
                    **_NOT_A_PAPER,
                }
            )
        for entry in section.entries:
            entries.append(
                {
                    "kind": SearchEntry.Kind(entry.kind),
                    "anchor": entry.anchor,
                    "title": entry.title,
                    "byline": entry.byline,
                    "text": searchable_text(entry.text_html),
                    "figures": figure_text(entry.text_html),
                    **paper_fields(entry),
                }
            )
    return entries


# One statement for all of a revision's rows; the vector is what
# `SearchVector(title, weight="A") + SearchVector(byline, weight="B") + SearchVector(text,
# weight="C")` gives, with a paper's arXiv id (B) and the figures' words (D), written out:
# Django's expressions compiled row by row cost more than PostgreSQL's parsing of the words.
_INSERT = """
    INSERT INTO {table} (revision_id, kind, anchor, position, title, byline, text,
                         {issue_columns} vector {paper_columns})
    SELECT %(revision)s, kind, anchor, position, title, byline, text, {issue_values}
           setweight(to_tsvector(%(config)s::regconfig, COALESCE(safe_title, '')), 'A')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(safe_byline, '')), 'B')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(text, '')), 'C')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(arxiv_term, '')), 'B')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(figures, '')), 'D')
           {paper_columns}
    FROM unnest(
        %(kinds)s::text[], %(anchors)s::text[], %(positions)s::integer[], %(titles)s::text[],
        %(bylines)s::text[], %(texts)s::text[], %(safe_titles)s::text[],
        %(safe_bylines)s::text[], %(arxiv_terms)s::text[], %(figures)s::text[] {paper_arrays}
    ) AS entry(kind, anchor, position, title, byline, text, safe_title, safe_byline,
               arxiv_term, figures {paper_columns})
"""


def write_entries(model, revision_id: int, snapshot: dict | Snapshot) -> None:
    """Insert the SearchEntry rows of one revision (also used by the backfill migration)."""
    snapshot = Snapshot.from_json(snapshot)
    entries = entries_for(snapshot)
    if not entries:
        return
    params = {
        "issue_title": snapshot.issue.title,
        "issue_slug": snapshot.issue.slug,
        "revision": revision_id,
        "config": SEARCH_CONFIG,
        "kinds": [str(fields["kind"]) for fields in entries],
        "anchors": [fields["anchor"] for fields in entries],
        "positions": list(range(len(entries))),
        "titles": [fields["title"] for fields in entries],
        "bylines": [fields["byline"] for fields in entries],
        "texts": [_parser_safe(fields["text"]) for fields in entries],
        "safe_titles": [_parser_safe(fields["title"]) for fields in entries],
        "safe_bylines": [_parser_safe(fields["byline"]) for fields in entries],
        "arxiv_terms": [arxiv_term(fields["paper_key"]) for fields in entries],
        "figures": [_parser_safe(fields["figures"]) for fields in entries],
    }
    # Migration 0003's backfill runs with the model of its day, before the paper columns.
    papers = [name for name in PAPER_FIELDS if _has_field(model, name)]
    for name in papers:
        params[name] = [fields[name] for fields in entries]
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        sql = _INSERT.format(
            table=connection.ops.quote_name(model._meta.db_table),
            paper_columns="".join(f", {name}" for name in papers),
            # The models of migrations before 0016 have no issue columns.
            issue_columns="issue_title, issue_slug," if _has_field(model, "issue_slug") else "",
            issue_values=(
                "%(issue_title)s, %(issue_slug)s," if _has_field(model, "issue_slug") else ""
            ),
            paper_arrays="".join(f", %({name})s::text[]" for name in papers),
        )
        cursor.execute(sql, params)


def _has_field(model, name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


def index_revision(revision: Revision) -> None:
    """Write a newly frozen revision's rows: search and the papers index read them. Revisions
    are immutable: this runs once.
    """
    write_entries(SearchEntry, revision.pk, revision.content)


_FILL_PAPERS = """
    UPDATE {table} AS row
    SET paper_key = paper.paper_key, arxiv_id = paper.arxiv_id, arxiv_url = paper.arxiv_url,
        paper_url = paper.paper_url, code_url = paper.code_url, demo_url = paper.demo_url
    FROM unnest(
        %(anchors)s::text[], %(paper_key)s::text[], %(arxiv_id)s::text[],
        %(arxiv_url)s::text[], %(paper_url)s::text[], %(code_url)s::text[],
        %(demo_url)s::text[]
    ) AS paper(anchor, paper_key, arxiv_id, arxiv_url, paper_url, code_url, demo_url)
    WHERE row.revision_id = %(revision)s AND row.kind = 'paper' AND row.anchor = paper.anchor
"""


def fill_paper_rows(revision_model, entry_model) -> None:
    """Give the paper rows of revisions frozen before rows held papers' fields their key and
    links, read from each snapshot (migration 0012). A revision whose rows do not match its
    papers (none written, other anchors) has its rows written again, as freezing writes them.
    """
    connection = connections[router.db_for_write(entry_model)]
    table = connection.ops.quote_name(entry_model._meta.db_table)
    revisions = revision_model.objects.values_list("id", "snapshot").order_by("id")
    for revision_id, snapshot in revisions.iterator(chunk_size=100):
        papers = Snapshot.from_json(snapshot).papers()
        anchors = [paper.anchor for paper in papers]
        rows = entry_model.objects.filter(revision_id=revision_id)
        paper_rows = rows.filter(kind="paper").count() if rows.exists() else None
        if paper_rows == len(set(anchors)) == len(anchors) and (
            _fill(connection, table, revision_id, papers) == len(papers)
        ):
            continue
        rows.delete()
        write_entries(entry_model, revision_id, snapshot)


def _fill(connection, table: str, revision_id: int, papers: list[PaperEntry]) -> int:
    if not papers:
        return 0
    params = {"revision": revision_id, "anchors": [paper.anchor for paper in papers]}
    for name in PAPER_FIELDS:
        params[name] = [paper_fields(paper)[name] for paper in papers]
    with connection.cursor() as cursor:
        cursor.execute(_FILL_PAPERS.format(table=table), params)
        return cursor.rowcount
