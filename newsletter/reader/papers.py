"""The papers index: every paper of the live issues, once, with each issue that featured it.

A paper is its `PaperEntry.key` (arXiv id without version, else normalised title). The
rows are the search rows of kind "paper" (`SearchEntry`), written when a revision is
frozen with the card's fields, the key and the issue's title and slug, so the index never
reads a snapshot: grouping, the year filter and paging are done by PostgreSQL over the
revisions of `Revision.objects.live_issues(at)`, and a page reads only its own papers'
rows. A paper is ordered by its newest appearance (the issues' order, then its place in
the issue); its card shows that appearance's fields; the year filter keeps a paper with
any appearance published (first published, in the site's time zone) that year.
"""

from dataclasses import fields
from datetime import datetime

from django.db import connections, router
from django.utils import timezone

from newsletter.content.snapshot import PaperCard, issue_path
from newsletter.models import Revision, SearchEntry

# The search row's column for each of the card's fields, where it is not the field's name.
_CARD_COLUMNS = {"authors": "byline"}
_CARD = ", ".join(f"entry.{_CARD_COLUMNS.get(f.name, f.name)}" for f in fields(PaperCard))


# The paper rows of the live revisions, each with its revision's place in the issues' order
# and the year it was published. `{live}` is the SQL of `live_issues(at)`.
_APPEARANCES = """
    live AS ({live}),
    appearance AS (
        SELECT entry.id, entry.paper_key, entry.revision_id,
               EXTRACT(YEAR FROM live.first_published AT TIME ZONE %s)::integer AS year,
               row_number() OVER (
                   ORDER BY live.issue_number DESC, live.go_live_at DESC, live.id DESC,
                            entry.position
               ) AS place,
               live.issue_number, live.first_published
        FROM {entries} AS entry JOIN live ON live.id = entry.revision_id
        WHERE entry.kind = 'paper'
    )
"""

# How many papers each year has, and all years together (the row where GROUPING is 1).
_YEARS = """
    WITH {appearances}
    SELECT GROUPING(year) = 1, year, count(DISTINCT paper_key)
    FROM appearance GROUP BY GROUPING SETS ((year), ())
"""

# One page of papers (newest appearance first) and every live appearance of each, with the
# fields of the card and of the link to the issue, all from the appearances' own rows.
_PAGE = """
    WITH {appearances},
    paper AS (
        SELECT paper_key, min(place) AS newest FROM appearance
        GROUP BY paper_key
        HAVING %s::integer IS NULL OR bool_or(year = %s::integer)
        ORDER BY newest LIMIT %s OFFSET %s
    ),
    shown AS (SELECT appearance.*, paper.newest FROM paper JOIN appearance USING (paper_key))
    SELECT shown.paper_key, shown.issue_number, shown.first_published,
           entry.issue_title, entry.issue_slug, entry.anchor, {card}
    FROM shown
    JOIN {entries} AS entry ON entry.id = shown.id
    ORDER BY shown.newest, shown.place
"""


class PaperIndex:
    """The papers of the live issues at `at`, of `year` or all years: a list Paginator pages.

    `years()` and `count()` cost one query together; each page one more.
    """

    def __init__(self, at: datetime):
        self.at = at
        self.year: int | None = None
        self.connection = connections[router.db_for_read(SearchEntry)]
        live, live_params = (
            Revision.objects.live_issues(at)
            .values("id", "issue_number", "go_live_at", "first_published")
            .query.sql_with_params()
        )
        quote = self.connection.ops.quote_name
        self._appearances = _APPEARANCES.format(
            live=live, entries=quote(SearchEntry._meta.db_table)
        )
        self._params = [*live_params, timezone.get_current_timezone_name()]
        self._tables = {"entries": quote(SearchEntry._meta.db_table), "card": _CARD}
        self._counts: dict[int | None, int] | None = None

    def _query(self, sql: str, params: list) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                sql.format(appearances=self._appearances, **self._tables), self._params + params
            )
            return cursor.fetchall()

    def _by_year(self) -> dict[int | None, int]:
        if self._counts is None:
            rows = self._query(_YEARS, [])
            self._counts = {None if total else year: count for total, year, count in rows}
        return self._counts

    def years(self) -> list[int]:
        """The years with a paper, newest first."""
        return sorted((year for year in self._by_year() if year is not None), reverse=True)

    def count(self) -> int:
        """How many papers, of `year` if one is chosen."""
        return self._by_year().get(self.year, 0)

    def __getitem__(self, page: slice) -> list[dict]:
        if page.stop <= page.start:
            return []
        rows = self._query(_PAGE, [self.year, self.year, page.stop - page.start, page.start])
        papers: dict[str, dict] = {}
        for key, number, published, issue_title, slug, anchor, *card in rows:
            found = papers.setdefault(key, {"entry": PaperCard(*card), "appearances": []})
            found["appearances"].append(
                {
                    "number": number,
                    "title": issue_title,
                    "url": f"{issue_path(number, slug)}#{anchor}",
                    "published": published,
                    "year": timezone.localtime(published).year,
                }
            )
        return list(papers.values())
