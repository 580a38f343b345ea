"""Reader search: /search/?q=… over live revisions, one result per matching entry.

The index is written when a revision is frozen (`newsletter.content.search_index`);
queries go through `Revision.objects.live()` like every other public read, so a draft or
scheduled revision never matches.
"""

import html
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from newsletter.content.arxiv import normalise_arxiv_id
from newsletter.content.search_index import SEARCH_CONFIG, START, STOP
from newsletter.content.snapshot import issue_path
from newsletter.reader import search_ranking
from newsletter.reader.http import public, public_until_next_change
from newsletter.reader.paging import NoSuchPage, no_such_page, page_of
from newsletter.reader.search_ranking import PAGE_SIZE, Row, ranked_page

MAX_QUERY_CHARS = 200


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


def parser_query(query: str) -> str:
    """The query as PostgreSQL's parser is given it: what a reader typed, read as the
    indexed text was written.

    `<` and `>` become spaces: the parser reads `<script>` as a tag and drops it, where the
    indexed text holds `&lt;script&gt;`, the word script. An arXiv reference (`2305.10601v2`,
    `arXiv:2305.10601`, a link to its abstract or PDF) becomes the bare id without its
    version, as a paper's vector holds it (`search_index.arxiv_term`).
    """
    words = []
    for word in query.replace("<", " ").replace(">", " ").split():
        try:
            words.append(normalise_arxiv_id(word, keep_version=False).lower())
        except ValueError:
            words.append(word)
    return " ".join(words)


def query_tree(query: str) -> str:
    """`query` as PostgreSQL's index reads it (`querytree`): '' for an empty tsquery, 'T'
    when no term can use the index, else its terms and operators."""
    if not query:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT querytree(websearch_to_tsquery(%s::regconfig, %s))", [SEARCH_CONFIG, query]
        )
        return cursor.fetchone()[0]


def has_terms(tree: str) -> bool:
    """Whether a query whose `query_tree` is `tree` has a word to look for: not empty, not
    only stop words or `-word`s."""
    return tree not in ("", "T")


class Ranked:
    """The ranked results of one search as a Paginator's list: a page and the count in one
    query (`search_ranking.ranked_page`).

    The Paginator asks for the count before the page, so the count is read with the page
    the request asked for (`hint`); another page costs another query.
    """

    def __init__(self, query: str, *, at: datetime, hint: int, phrase: bool = False):
        self.query, self.at, self.hint, self.phrase = query, at, hint, phrase
        self.more = False
        self._total: int | None = None
        self._pages: dict[int, list] = {}

    def _fetch(self, offset: int) -> list:
        if offset not in self._pages:
            rows, self._total, self.more = ranked_page(
                self.query, at=self.at, offset=offset, limit=PAGE_SIZE, phrase=self.phrase
            )
            self._pages[offset] = rows
        return self._pages[offset]

    def count(self) -> int:
        if self._total is None:
            self._fetch((self.hint - 1) * PAGE_SIZE)
        return self._total

    def __getitem__(self, window: slice) -> list:
        return self._fetch(window.start)[: window.stop - window.start]


def page_hint(raw) -> int:
    """The page a request most likely gets: its number when that is a plain one, else 1."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    # A page past the candidates is a 404 that needs only the count: keep the offset small.
    return min(max(number, 1), 2 * search_ranking.CANDIDATES // PAGE_SIZE + 2)


def find(query: str, tree: str, *, at: datetime | None = None, hint: int = 1) -> Ranked:
    """Live entries matching `query` (websearch syntax), whose `query_tree` is `tree`, best
    first, for a Paginator."""
    phrase = search_ranking.holds_phrase(tree)
    return Ranked(query, at=at or timezone.now(), hint=hint, phrase=phrase)


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
    issue_url: str
    kind: str
    title: str
    url: str
    snippet: SafeString

    @classmethod
    def from_row(cls, row: Row) -> "Result":
        issue_url = issue_path(row.issue_number, row.issue_slug)
        return cls(
            issue_number=row.issue_number,
            issue_title=row.issue_title,
            issue_url=issue_url,
            kind=row.kind,
            title=row.title,
            url=f"{issue_url}#{row.anchor}" if row.anchor else issue_url,
            snippet=snippet_html(row.headline),
        )


# The page


def results_url(query: str, number: int) -> str:
    """The address of page `number` of the results for `query`."""
    params = {"q": query} if query else {}
    if number > 1:
        params["page"] = number
    return reverse("newsletter:search") + (f"?{urlencode(params)}" if params else "")


def search_page(request):
    """Any input gives a page, never a 500: odd syntax is the query parser's business. A
    `?page=` that names none of the pages there are is a 404 saying which there are, as
    in the archive (`paging.py`); a search with no word to look for has one page."""
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
    searched = parser_query(query)
    tree = query_tree(searched)
    terms = has_terms(tree)
    hint = page_hint(request.GET.get("page"))
    results = find(searched, tree, at=at, hint=hint) if terms else ()
    try:
        page = page_of(request, results, PAGE_SIZE)
    except NoSuchPage as missing:
        listing = f"search for “{query}”" if query else "search"
        return no_such_page(request, missing, listing=listing, url=lambda n: results_url(query, n))
    if not terms:
        # Nothing to look for: the page does not depend on what is published.
        return public(render(request, "newsletter/search.html", context))

    context.update(
        searched=True,
        page=page,
        results=[Result.from_row(row) for row in page.object_list],
        more=results.more,
        bound=search_ranking.CANDIDATES,
    )
    response = render(request, "newsletter/search.html", context)
    return public_until_next_change(response)
