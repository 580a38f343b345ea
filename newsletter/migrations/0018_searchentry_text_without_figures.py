"""Search rows hold their part's text without its figures (the captions and credits are
in the vector alone, weight D): the rows of every revision with a figure are written
again, as freezing wrote them when this migration was made.

What writes them is a copy, frozen here, of what freezing ran then
(`newsletter.content.search_index.write_entries`, with the snapshot's readers and
`text.plain_text` it called), reading the stored snapshot JSON (schemas 1 and 2, which
hold these fields alike): a later change to the app's search rows must not change what
this migration does; such a change comes with a migration of its own.
"""

import html
import re

from django.db import migrations
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.html import strip_tags

SEARCH_CONFIG = "english"
# ts_headline's markers, never in indexed text.
_SENTINELS = str.maketrans("", "", "\ue000\ue001")
# A block's end separates words even where no whitespace follows it: <p>a</p><p>b</p>.
_BLOCK_END = re.compile(r"(</(?:p|li|h[1-6]|blockquote|pre|td|th|dd|dt|figcaption)>|<br\s*/?>)")
# A placed picture in sanitised HTML, which never nests figures.
_FIGURE = re.compile(r"<figure\b.*?</figure>", re.DOTALL | re.IGNORECASE)
_ARXIV_VERSION = re.compile(r"v\d+$")
_NOT_WORD = re.compile(r"[\W_]+")
PAPER_FIELDS = ("paper_key", "arxiv_id", "arxiv_url", "paper_url", "code_url", "demo_url")
_NOT_A_PAPER = dict.fromkeys(PAPER_FIELDS, "")


def _text(data: dict, key: str) -> str:
    return str(data.get(key) or "")


def _words(fragment_html: str) -> str:
    text = html.unescape(strip_tags(_BLOCK_END.sub(r" \1", fragment_html or "")))
    return " ".join(" ".join(text.split()).translate(_SENTINELS).split())


def _searchable_text(fragment_html: str) -> str:
    return _words(_FIGURE.sub(" ", fragment_html or ""))


def _figure_text(fragment_html: str) -> str:
    return _words(" ".join(_FIGURE.findall(fragment_html or "")))


def _parser_safe(text: str) -> str:
    return html.escape(text, quote=False)


def _paper_key(paper: dict) -> str:
    arxiv_id = _text(paper, "arxiv_id").strip().lower()
    if arxiv_id:
        return "arxiv:" + _ARXIV_VERSION.sub("", arxiv_id)
    return "title:" + " ".join(_NOT_WORD.sub(" ", paper["title"].casefold()).split())


def _entry_row(entry: dict) -> dict:
    if entry["kind"] == "item":
        byline, text_html, paper = _text(entry, "source"), _text(entry, "body_html"), _NOT_A_PAPER
    elif entry["kind"] == "paper":
        byline, text_html = _text(entry, "authors"), _text(entry, "summary_html")
        paper = {"paper_key": _paper_key(entry)}
        paper |= {name: _text(entry, name) for name in PAPER_FIELDS[1:]}
    else:
        raise ValueError(f"A snapshot entry of unknown kind {entry['kind']!r}.")
    return {
        "kind": entry["kind"],
        "anchor": entry["anchor"],
        "title": entry["title"],
        "byline": byline,
        "text": _searchable_text(text_html),
        "figures": _figure_text(text_html),
        **paper,
    }


def _rows(snapshot: dict) -> list[dict]:
    """The parts of a snapshot, in page order, as search rows (and their figures' words)."""
    issue = snapshot["issue"]
    summary = _text(issue, "summary_html")
    rows = [
        {
            "kind": "issue",
            "anchor": "",
            "title": issue["title"],
            "byline": "",
            "text": _searchable_text(summary),
            "figures": _figure_text(summary),
            **_NOT_A_PAPER,
        }
    ]
    for section in snapshot["sections"]:
        intro_html = _text(section, "intro_html")
        intro, intro_figures = _searchable_text(intro_html), _figure_text(intro_html)
        if intro or intro_figures:
            rows.append(
                {
                    "kind": "section",
                    "anchor": section["anchor"],
                    "title": section["title"],
                    "byline": "",
                    "text": intro,
                    "figures": intro_figures,
                    **_NOT_A_PAPER,
                }
            )
        rows += [_entry_row(entry) for entry in section.get("entries") or []]
    return rows


_INSERT = """
    INSERT INTO {table} (revision_id, kind, anchor, position, title, byline, text,
                         issue_title, issue_slug, vector,
                         paper_key, arxiv_id, arxiv_url, paper_url, code_url, demo_url)
    SELECT %(revision)s, kind, anchor, position, title, byline, text,
           %(issue_title)s, %(issue_slug)s,
           setweight(to_tsvector(%(config)s::regconfig, COALESCE(safe_title, '')), 'A')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(safe_byline, '')), 'B')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(text, '')), 'C')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(arxiv_term, '')), 'B')
           || setweight(to_tsvector(%(config)s::regconfig, COALESCE(figures, '')), 'D'),
           paper_key, arxiv_id, arxiv_url, paper_url, code_url, demo_url
    FROM unnest(
        %(kinds)s::text[], %(anchors)s::text[], %(positions)s::integer[], %(titles)s::text[],
        %(bylines)s::text[], %(texts)s::text[], %(safe_titles)s::text[],
        %(safe_bylines)s::text[], %(arxiv_terms)s::text[], %(figures)s::text[],
        %(paper_key)s::text[], %(arxiv_id)s::text[], %(arxiv_url)s::text[],
        %(paper_url)s::text[], %(code_url)s::text[], %(demo_url)s::text[]
    ) AS entry(kind, anchor, position, title, byline, text, safe_title, safe_byline,
               arxiv_term, figures, paper_key, arxiv_id, arxiv_url, paper_url, code_url,
               demo_url)
"""


def write_rows(connection, table: str, revision_id: int, snapshot: dict) -> None:
    """Insert the search rows of one revision, as freezing wrote them at this migration."""
    rows = _rows(snapshot)
    params = {
        "revision": revision_id,
        "issue_title": snapshot["issue"]["title"],
        "issue_slug": snapshot["issue"]["slug"],
        "config": SEARCH_CONFIG,
        "kinds": [row["kind"] for row in rows],
        "anchors": [row["anchor"] for row in rows],
        "positions": list(range(len(rows))),
        "titles": [row["title"] for row in rows],
        "bylines": [row["byline"] for row in rows],
        "texts": [_parser_safe(row["text"]) for row in rows],
        "safe_titles": [_parser_safe(row["title"]) for row in rows],
        "safe_bylines": [_parser_safe(row["byline"]) for row in rows],
        # A paper's arXiv id, `arxiv:` and the id without version, is in its vector.
        "arxiv_terms": [
            row["paper_key"] if row["paper_key"].startswith("arxiv:") else "" for row in rows
        ],
        "figures": [_parser_safe(row["figures"]) for row in rows],
        **{name: [row[name] for row in rows] for name in PAPER_FIELDS},
    }
    with connection.cursor() as cursor:
        cursor.execute(_INSERT.format(table=connection.ops.quote_name(table)), params)


def rewrite_rows_with_figures(apps, schema_editor):
    Revision = apps.get_model("newsletter", "Revision")
    SearchEntry = apps.get_model("newsletter", "SearchEntry")
    connection = schema_editor.connection
    with_figures = (
        Revision.objects.using(connection.alias)
        .annotate(text=Cast("snapshot", TextField()))
        .filter(text__contains="<figure")
    )
    for revision_id, snapshot in with_figures.values_list("id", "snapshot").iterator():
        SearchEntry.objects.using(connection.alias).filter(revision_id=revision_id).delete()
        write_rows(connection, SearchEntry._meta.db_table, revision_id, snapshot)


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0017_searchentry_arxiv_ids"),
    ]

    operations = [migrations.RunPython(rewrite_rows_with_figures, migrations.RunPython.noop)]
