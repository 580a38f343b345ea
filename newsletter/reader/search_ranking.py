"""Ranking a search: a bounded set of candidates, ranked, a page and the count in one query.

Ranking reads every candidate's vector, so a query that matches most of the archive (a
few common words) would cost a read of most of the index. Instead the candidates are
the newest CANDIDATES matches, which PostgreSQL delivers without reading the others,
together with the newest CANDIDATES entries that have the words in their title (their
own GIN index, `TitleLexemes`), so a title match is found however old its issue. When
there are more matches than that, the page says so ("more than N results") and pages
through the candidates; otherwise the candidates are every match and the count is exact.

Within the candidates: an entry whose title is exactly the query's words comes first,
then entries holding the words as a phrase, then by `ts_rank` (title above byline above
text), a newer issue's score being up to RECENCY_BOOST higher.
"""

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connections, router

from newsletter.content.search_index import SEARCH_CONFIG, START, STOP
from newsletter.models import Revision, SearchEntry
from newsletter.models.search import TitleKey, TitleLexemes

# How many of the newest matches are ranked (and as many title matches). A multiple of
# the page size, so that the last page of the newest is a full one.
CANDIDATES = 500
PAGE_SIZE = 20
# A newer issue's score is up to this much higher: enough to order near-ties, too little
# to lift a weak match above a strong one.
RECENCY_BOOST = 0.1
# One passage around the best match: fragment mode trims a short text's first and last
# words.
HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15"

_TOKEN = re.compile(r'(-?)("[^"]*"?|\S+)')
# In a `querytree`: a lexeme ('it''s'), and the phrase operators (<->, <2>).
_LEXEME = re.compile(r"'(?:[^']|'')*'")
_PHRASE_OPERATOR = re.compile(r"<(?:-|\d+)>")


def wanted_words(query: str) -> str:
    """The words a result holds: the query without `-word`s, `-"phrase"`s, `or` and quotes."""
    words = []
    for sign, token in _TOKEN.findall(query):
        if sign or token.lower() == "or":
            continue
        words.extend(token.strip('"').split())
    return " ".join(words)


def holds_phrase(tree: str) -> bool:
    """Whether a query whose `querytree` is `tree` asks for words side by side: a quoted
    phrase, or a word the parser splits in parts (`state-of-the-art`)."""
    return bool(_PHRASE_OPERATOR.search(_LEXEME.sub("", tree)))


@dataclass(frozen=True)
class Row:
    issue_number: int
    kind: str
    title: str
    anchor: str
    issue_title: str
    issue_slug: str
    headline: str


def _named(sql: str, params, prefix: str) -> tuple[str, dict]:
    """Compiled SQL with its `%s` placeholders named, to sit in a query with named ones."""
    names = iter(range(len(params)))
    named = re.sub(r"%[%s]", lambda m: m[0] if m[0] == "%%" else f"%({prefix}{next(names)})s", sql)
    return named, {f"{prefix}{i}": value for i, value in enumerate(params)}


_QUERY = "websearch_to_tsquery(%(config)s::regconfig, %(query)s)"
# The indexed expressions of migration 0014, as the models define them.
_TITLE_LEXEMES = TitleLexemes.template % {"function": "ts_filter", "expressions": "e.vector"}
_TITLE_KEY = TitleKey.template % {"expressions": "e.vector"}
# The key of a title made of exactly the query's words.
_QUERY_KEY = "md5(strip(to_tsvector(%(config)s::regconfig, %(words)s))::text)"

# The first `limit` matches, newest issue first: each one's id, issue number, position,
# `ts_rank` and whether it holds the words as a phrase. PostgreSQL delivers that order
# cheaply both ways round: for common words it walks the revisions newest first and stops
# after `limit` matches; for rare ones it takes the matches from the GIN index and sorts
# the few there are. It chooses by its estimate of the matches, and it estimates a phrase
# as if its words could be anywhere in the entry: far more entries than hold them side by
# side. For a phrase of two common words that a dozen entries held, it walked every live
# entry, newest first, looking for 501 (32 ms of the query's 38 in the bench archive). So
# a query with a phrase is ordered by `issue_number + 0`, an order no index delivers: its
# matches come from the GIN index, then are sorted. The score is computed in the same
# pass, while the entry's vector is at hand: read again later, every candidate's row would
# be fetched a second time.
# Written out rather than built with the ORM: compiling three querysets cost more of a
# search's Python time than rendering its page.
_CANDIDATES = """
    SELECT e.id, live.issue_number, e.position, ts_rank(e.vector, {query}) AS score,
           {phrase} AS phrase
    FROM {entries} e JOIN live ON live.id = e.revision_id
    WHERE {where}
    ORDER BY {order} DESC, e.position
    LIMIT {limit}
"""
_PHRASE = "e.vector @@ phraseto_tsquery(%(config)s::regconfig, %(words)s)"

_RANKED = """
WITH live AS NOT MATERIALIZED ({live}),
newest AS ({newest}), titled AS ({titled}), exact AS ({exact}),
ranked AS (
    SELECT DISTINCT ON (id) id, issue_number, position, score, phrase, exact_title,
           max(issue_number) OVER () AS newest_number
    FROM (
        SELECT *, false AS exact_title FROM newest
        UNION ALL SELECT *, false FROM titled
        UNION ALL SELECT *, true FROM exact
    ) AS candidates
    ORDER BY id, exact_title DESC
)
SELECT totals.total, totals.more, page.*
FROM (
    SELECT count(*) AS total, (SELECT count(*) FROM newest) > %(bound)s AS more FROM ranked
) AS totals
LEFT JOIN LATERAL (
    -- Only the page's rows are read again, for their text and headings.
    SELECT shown.issue_number, e.kind, e.title, e.anchor, e.issue_title, e.issue_slug,
           ts_headline(%(config)s::regconfig, e.text, {query}, %(headline)s) AS headline
    FROM (
        SELECT ranked.id, ranked.issue_number,
               row_number() OVER (
                   ORDER BY ranked.exact_title DESC, ranked.phrase DESC,
                            ranked.score * (1 + %(boost)s * ranked.issue_number::float
                                            / greatest(ranked.newest_number, 1)) DESC,
                            ranked.issue_number DESC, ranked.position, ranked.id
               ) AS place
        FROM ranked
        ORDER BY place
        LIMIT %(limit)s OFFSET %(offset)s
    ) AS shown
    JOIN {entries} e ON e.id = shown.id
    ORDER BY shown.place
) AS page ON true
"""


def _sql(live: str, *, several_words: bool, phrase: bool) -> str:
    entries = SearchEntry._meta.db_table

    def candidates(where: str, limit: str) -> str:
        return _CANDIDATES.format(
            query=_QUERY,
            phrase=_PHRASE if several_words else "false",
            order="live.issue_number + 0" if phrase else "live.issue_number",
            entries=entries,
            where=where,
            limit=limit,
        )

    # The title's words alone do not match `-word`s the text holds: the whole vector
    # decides. It is asked of each entry the title's index found (`ts_match_vq` is `@@`
    # written so that no index answers it): for a common word, PostgreSQL otherwise also
    # read the word's every entry from the vector's index to intersect with the few
    # titles: 2 of the 17 ms of the ranked query for "samples" on the bench archive.
    in_vector = f"ts_match_vq(e.vector, {_QUERY})"
    return _RANKED.format(
        live=live,
        newest=candidates(f"e.vector @@ {_QUERY}", "%(bound)s + 1"),
        titled=candidates(f"{_TITLE_LEXEMES} @@ {_QUERY} AND {in_vector}", "%(bound)s"),
        exact=candidates(f"{_TITLE_KEY} = {_QUERY_KEY} AND {in_vector}", "%(bound)s"),
        query=_QUERY,
        entries=entries,
    )


# A time to compile the live revisions' query with, to find where the time goes in it.
_AT = datetime(1, 1, 1, tzinfo=UTC)


@functools.cache
def _statement(alias: str, *, several_words: bool, phrase: bool) -> tuple[str, dict, tuple]:
    """The ranked query for database `alias`, built once a process: its SQL, the
    parameters of its live revisions (`Revision.objects.live()`, as every public read has
    them) and the names of those that are the time. Compiling the live queryset on every
    search was a tenth of its Python time."""
    live, live_params = _named(
        *Revision.objects.using(alias)
        .live(_AT)
        .order_by()
        .values("id", "issue_number")
        .query.get_compiler(using=alias)
        .as_sql(),
        "live",
    )
    times = tuple(name for name, value in live_params.items() if value == _AT)
    if not times:
        raise RuntimeError("The live revisions' query no longer holds the time as given.")
    return _sql(live, several_words=several_words, phrase=phrase), live_params, times


def ranked_page(
    query: str, *, at: datetime, offset: int, limit: int, phrase: bool = False
) -> tuple[list[Row], int, bool]:
    """One page of the ranked candidates for `query` (websearch syntax) among live entries.

    Returns the page's rows, how many candidates there are to page through, and whether
    more entries match than were taken as candidates. One query, whatever the page.
    `phrase`: whether the query asks for words side by side (`holds_phrase`).
    """
    alias = router.db_for_read(SearchEntry)
    words = wanted_words(query)
    sql, live_params, times = _statement(alias, several_words=len(words.split()) > 1, phrase=phrase)
    params = {
        **live_params,
        **dict.fromkeys(times, at),
        "config": SEARCH_CONFIG,
        "query": query,
        "words": words,
        "bound": CANDIDATES,
        "boost": RECENCY_BOOST,
        "headline": HEADLINE,
        "limit": limit,
        "offset": offset,
    }
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    total, more = rows[0][:2]
    page = [Row(*row[2:]) for row in rows if row[2] is not None]
    return page, total, more
