"""The search index: each revision's searchable parts, written once when it is frozen.

One `SearchEntry` row per part (the issue's title and summary, each section intro, each
item and paper), so that a search result can link to the part's anchor on its issue page.
Querying is the reader's side: `newsletter.reader.search`.
"""

import html

from django.contrib.postgres.search import SearchVector
from django.db.models import Value

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


def write_entries(model, revision_id: int, snapshot: dict | Snapshot) -> None:
    """Insert the SearchEntry rows of one revision (also used by the backfill migration)."""
    rows = []
    for position, fields in enumerate(entries_for(Snapshot.from_json(snapshot))):
        title, byline = fields["title"], fields["byline"]
        text = _parser_safe(fields["text"])
        vector = (
            SearchVector(Value(_parser_safe(title)), weight="A", config=SEARCH_CONFIG)
            + SearchVector(Value(_parser_safe(byline)), weight="B", config=SEARCH_CONFIG)
            + SearchVector(Value(text), weight="C", config=SEARCH_CONFIG)
        )
        rows.append(
            model(
                revision_id=revision_id,
                kind=fields["kind"],
                anchor=fields["anchor"],
                position=position,
                title=title,
                byline=byline,
                text=text,
                vector=vector,
            )
        )
    model.objects.bulk_create(rows)


def index_revision(revision: Revision) -> None:
    """Make a newly frozen revision searchable. Revisions are immutable: this runs once."""
    write_entries(SearchEntry, revision.pk, revision.content)
