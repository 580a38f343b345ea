"""Reader search: /search/?q=… over live revisions, one result per matching entry.

The index is written when a revision is frozen (`newsletter.content.search_index`);
queries go through `Revision.objects.live()` like every other public read, so a draft or
scheduled revision never matches.
"""

import html
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, FloatField, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Greatest
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from newsletter.content.search_index import SEARCH_CONFIG, START, STOP
from newsletter.content.snapshot import issue_path
from newsletter.models import Revision, SearchEntry
from newsletter.reader.http import public, public_until_next_change

MAX_QUERY_CHARS = 200
PAGE_SIZE = 20
# A newer issue's score is up to this much higher: enough to order near-ties, too little
# to lift a weak match above a strong one.
RECENCY_BOOST = 0.1


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
    # A subquery, so PostgreSQL reads it only for the page of rows it returns: every read
    # of the snapshot detoasts the whole document, and ranking touches thousands of rows.
    field = KeyTextTransform(key, KeyTransform("issue", "snapshot"))
    return Subquery(Revision.objects.filter(pk=OuterRef("revision_id")).values(value=field)[:1])


def find(query: str, *, at: datetime | None = None) -> QuerySet:
    """Entries of live revisions matching `query` (websearch syntax), best first.

    Each row carries `rank`, `headline` (raw ts_headline output: see `snippet_html`),
    `issue_number`, `issue_title` and `issue_slug`, so a
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
        return issue_path(self.issue_number, self.issue_slug)

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


# The page


def search_page(request):
    """Any input gives a page: odd syntax is the query parser's business, never a 500."""
    at = timezone.now()
    query, truncated = normalise(request.GET.get("q", ""))
    context = {
        "query": query,
        "truncated": truncated,
        "max_chars": MAX_QUERY_CHARS,
        "searched": False,
        "page": None,
        "results": [],
    }
    if not has_terms(query):
        # Nothing to look for: the page does not depend on what is published.
        return public(render(request, "newsletter/search.html", context))

    page = Paginator(find(query, at=at), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    context.update(
        searched=True, page=page, results=[Result.from_entry(entry) for entry in entries]
    )
    response = render(request, "newsletter/search.html", context)
    return public_until_next_change(response)
