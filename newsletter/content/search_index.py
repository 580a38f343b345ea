"""The search index: each revision's searchable parts, written once when it is frozen.

One `SearchEntry` row per part (the issue's title and summary, each section intro, each
item and paper), so that a search result can link to the part's anchor on its issue page.
Querying is the reader's side: `newsletter.reader.search`.
"""

import html

from django.db import connections, router

from newsletter.content.snapshot import Snapshot
from newsletter.content.text import plain_text
from newsletter.models import Revision, SearchEntry

SEARCH_CONFIG = "english"

# ts_headline marks matches with these. They are private-use characters, removed from
# indexed text and from queries, so that after escaping a headline only our own markers
# become <mark>.
START, STOP = "\ue000", "\ue001"
_SENTINELS = str.maketrans("", "", START + STOP)


def searchable_text(fragment_html: str) -> str:
    """The words of a sanitised HTML fragment, with no character the markers could clash with."""
    return " ".join(plain_text(fragment_html).translate(_SENTINELS).split())


def _parser_safe(text: str) -> str:
    # PostgreSQL's text-search parser reads anything between < and > as a tag and drops it.
    return html.escape(text, quote=False)


def entries_for(snapshot: Snapshot) -> list[dict]:
    """The searchable parts of a snapshot, in page order: field values for SearchEntry."""
    entries = [
        {
            "kind": SearchEntry.Kind.ISSUE,
            "anchor": "",
            "title": snapshot.issue.title,
            "byline": "",
            "text": searchable_text(snapshot.issue.summary_html),
        }
    ]
    for section in snapshot.sections:
        intro = searchable_text(section.intro_html)
        if intro:
            entries.append(
                {
                    "kind": SearchEntry.Kind.SECTION,
                    "anchor": section.anchor,
                    "title": section.title,
                    "byline": "",
                    "text": intro,
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
                }
            )
    return entries


# One statement for all of a revision's rows; the vector is what
# `SearchVector(title, weight="A") + SearchVector(byline, weight="B") + SearchVector(text,
# weight="C")` gives, written out: Django's expressions compiled row by row cost more than
# PostgreSQL's parsing of the words.
_INSERT = """
    INSERT INTO {table} (revision_id, kind, anchor, position, title, byline, text, vector)
    SELECT %(revision)s, kind, anchor, position, title, byline, text,
           setweight(to_tsvector(%(config)s::regconfig, COALESCE(safe_title, '')), 'A')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(safe_byline, '')), 'B')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(text, '')), 'C')
    FROM unnest(
        %(kinds)s::text[], %(anchors)s::text[], %(positions)s::integer[], %(titles)s::text[],
        %(bylines)s::text[], %(texts)s::text[], %(safe_titles)s::text[],
        %(safe_bylines)s::text[]
    ) AS entry(kind, anchor, position, title, byline, text, safe_title, safe_byline)
"""


def write_entries(model, revision_id: int, snapshot: dict | Snapshot) -> None:
    """Insert the SearchEntry rows of one revision (also used by the backfill migration)."""
    entries = entries_for(Snapshot.from_json(snapshot))
    if not entries:
        return
    params = {
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
    }
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(_INSERT.format(table=table), params)


def index_revision(revision: Revision) -> None:
    """Make a newly frozen revision searchable. Revisions are immutable: this runs once."""
    write_entries(SearchEntry, revision.pk, revision.content)
