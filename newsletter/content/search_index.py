"""Reader search: PostgreSQL full-text search over live revisions, one row per entry.

Each revision is indexed once, when it is frozen, into `SearchEntry` rows (the issue's
title and summary, each section intro, each item and paper), so that a result can link to
the entry's anchor in its issue page. Queries go through `Revision.objects.live()` like
every other public read: a draft or scheduled revision never matches.
"""

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, FloatField, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from newsletter import caching
from newsletter.models import Revision, SearchEntry

SEARCH_CONFIG = "english"
MAX_QUERY_CHARS = 200
# A newer issue's score is up to this much higher: enough to order near-ties, too little
# to lift a weak match above a strong one.
RECENCY_BOOST = 0.1

# ts_headline inserts these around matches. They are private-use characters, removed from
# indexed text and from queries, so that after escaping the headline only our own markers
# become <mark>.
START, STOP = "\ue000", "\ue001"
_SENTINELS = str.maketrans("", "", START + STOP)
_BLOCK_END = re.compile(r"(</(?:p|li|h[1-6]|blockquote|pre|td|th|dd|dt|figcaption)>|<br\s*/?>)")


# Indexing


def plain_text(fragment_html: str) -> str:
    """The words of a sanitised HTML fragment, as plain text on one line."""
    text = html.unescape(strip_tags(_BLOCK_END.sub(r" \1", fragment_html or "")))
    return " ".join(text.translate(_SENTINELS).split())


def _parser_safe(text: str) -> str:
    return html.escape(text, quote=False)


def entries_for(snapshot: dict) -> list[dict]:
    """The searchable parts of a snapshot, in page order: field values for SearchEntry."""
    issue = snapshot["issue"]
    entries = [
        {
            "kind": SearchEntry.Kind.ISSUE,
            "anchor": "",
            "title": issue["title"],
            "byline": "",
            "text": plain_text(issue["summary_html"]),
        }
    ]
    for section in snapshot["sections"]:
        intro = plain_text(section["intro_html"])
        if intro:
            entries.append(
                {
                    "kind": SearchEntry.Kind.SECTION,
                    "anchor": section["anchor"],
                    "title": section["title"],
                    "byline": "",
                    "text": intro,
                }
            )
        for entry in section["entries"]:
            paper = entry["kind"] == "paper"
            entries.append(
                {
                    "kind": SearchEntry.Kind.PAPER if paper else SearchEntry.Kind.ITEM,
                    "anchor": entry["anchor"],
                    "title": entry["title"],
                    "byline": entry["authors"] if paper else entry["source"],
                    "text": plain_text(entry["summary_html"] if paper else entry["body_html"]),
                }
            )
    return entries


def write_entries(model, revision_id: int, snapshot: dict) -> None:
    """Insert the SearchEntry rows of one revision (also used by the backfill migration)."""
    rows = []
    for position, fields in enumerate(entries_for(snapshot)):
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
    write_entries(SearchEntry, revision.pk, revision.snapshot)


# Querying


def normalise(raw: str) -> tuple[str, bool]:
    """The query as searched: one line, no control characters, at most MAX_QUERY_CHARS.

    Returns the query and whether it was shortened.
    """
    kept = []
    for ch in (raw or "")[: MAX_QUERY_CHARS * 20]:
        category = unicodedata.category(ch)
        if category == "Cc":
            kept.append(" ")  # NUL, tabs, newlines: PostgreSQL refuses NUL in text
        elif category not in ("Cs", "Co"):  # lone surrogates, private use (our sentinels)
            kept.append(ch)
    query = " ".join("".join(kept).split())
    if len(query) <= MAX_QUERY_CHARS:
        return query, False
    return query[:MAX_QUERY_CHARS].rstrip(), True


def has_terms(query: str) -> bool:
    """Whether `query` has a word to look for: not empty, not only stop words or `-word`s.

    querytree() gives '' for an empty tsquery and 'T' when no term can use the index.
    """
    if not query:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT querytree(websearch_to_tsquery(%s::regconfig, %s))", [SEARCH_CONFIG, query]
        )
        tree = cursor.fetchone()[0]
    return tree not in ("", "T")


def _issue_field(key: str):
    return KeyTextTransform(key, KeyTransform("issue", "revision__snapshot"))


def search(query: str, *, at: datetime | None = None) -> QuerySet:
    """Entries of live revisions matching `query` (websearch syntax), best first.

    Each row carries `rank`, `headline` (raw ts_headline output: see `snippet_html`),
    `issue_number`, `issue_title`, `issue_slug` and `next_change` (for Cache-Control), so a
    page of results costs one query whatever its length.
    """
    at = at or timezone.now()
    tsquery = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    live = Revision.objects.live(at)
    number = F("revision__issue_number")
    newest = live.order_by("-issue_number").values("issue_number")[:1]
    recency = Cast(number, FloatField()) / Greatest(Cast(Subquery(newest), FloatField()), 1.0)
    return (
        SearchEntry.objects.filter(revision__in=live.values("pk"), vector=tsquery)
        .annotate(
            rank=SearchRank(F("vector"), tsquery) * (1 + RECENCY_BOOST * recency),
            issue_number=number,
            issue_title=_issue_field("title"),
            issue_slug=_issue_field("slug"),
            headline=SearchHeadline(
                "text",
                tsquery,
                config=SEARCH_CONFIG,
                start_sel=START,
                stop_sel=STOP,
                # One passage around the best match: fragment mode trims a short text's
                # first and last words.
                max_words=35,
                min_words=15,
            ),
            next_change=caching.next_change(at),
        )
        .order_by("-rank", "-issue_number", "position", "pk")
        .only("id", "kind", "anchor", "title", "position")
    )


def snippet_html(headline: str) -> SafeString:
    """Escape ts_headline's output, then turn only our sentinels into <mark> elements.

    The indexed text is HTML-escaped, so unescape first: whatever ts_headline cut, the
    result is escaped exactly once.
    """
    text = html.escape(html.unescape(headline or ""), quote=False)
    return mark_safe(text.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


@dataclass(frozen=True)
class Result:
    issue_number: int
    issue_title: str
    issue_slug: str
    kind: str
    title: str
    anchor: str
    snippet: SafeString

    @property
    def issue_url(self) -> str:
        return reverse(
            "newsletter:issue-detail", kwargs={"number": self.issue_number, "slug": self.issue_slug}
        )

    @property
    def url(self) -> str:
        return f"{self.issue_url}#{self.anchor}" if self.anchor else self.issue_url

    @classmethod
    def from_entry(cls, entry: SearchEntry) -> "Result":
        return cls(
            issue_number=entry.issue_number,
            issue_title=entry.issue_title,
            issue_slug=entry.issue_slug,
            kind=entry.kind,
            title=entry.title,
            anchor=entry.anchor,
            snippet=snippet_html(entry.headline),
        )
