"""Markdown to sanitised HTML: the one function every preview, snapshot and page uses.

Python-Markdown renders (tables, fenced code), then nh3 keeps an allow-list of tags,
attributes and URL schemes. Two touch-ups keep the result valid and accessible even for
hostile input: a link whose URL was removed becomes its plain text, and every image
has an alt attribute.

The cost is bounded too, for every caller (the editor's preview, snapshots), because
one request must not hold a worker for minutes: a text over MAX_CHARS is refused with
MarkdownTooLong (nesting too deep for the parser, MarkdownTooDeep; `validate` makes both
field errors), and the parts of Python-Markdown that cost the square of the input's
length on some shapes get bounds (see "Bounded parsing" below). What they give up on
stays literal text, escaped like any other, so the output stays safe.
"""

import re
import threading

import markdown as python_markdown
import nh3
from django.core.exceptions import ValidationError
from markdown import inlinepatterns, preprocessors, util
from markdown.extensions import Extension
from markdown.extensions.tables import PIPE_LEFT, PIPE_NONE, PIPE_RIGHT, TableProcessor
from markdown.htmlparser import HTMLExtractor

# The longest text one markdown field may hold; a long issue body is 30,000 characters.
MAX_CHARS = 100_000

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Serialised by html5ever, attribute values are always double-quoted with `"` escaped,
# so this matches whole tags even when a value contains `>`.
_ATTRS = r'((?:\s+[a-z-]+="[^"]*")*)'
_LINK_WITHOUT_HREF = re.compile(r"<a" + r'((?:\s+(?!href=)[a-z-]+="[^"]*")*)' + r">(.*?)</a>", re.S)
_IMG = re.compile(r"<img" + _ATTRS + r"\s*/?>")
_HEADING = re.compile(r"<(/?)h([1-6])\b")
# A table column's alignment, the one style nh3 keeps, as a class: the site's
# Content-Security-Policy blocks every style attribute (style-src-attr).
_STYLED_CELL = re.compile(r'<(td|th) style="([^"]*)">')
_ALIGNMENT = re.compile(r"text-align:\s*(left|right|center|justify)\b")

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel=None,
    strip_comments=True,
    clean_content_tags={"script", "style"},
    filter_style_properties={"text-align"},
)


def _fix_img(match: re.Match) -> str:
    attrs = match.group(1)
    if ' src="' not in attrs:
        alt = re.search(r' alt="([^"]*)"', attrs)
        return alt.group(1) if alt else ""
    if ' alt="' not in attrs:
        attrs += ' alt=""'
    return f'<img{attrs} loading="lazy" decoding="async">'


def _aligned_cell(match: re.Match) -> str:
    alignment = _ALIGNMENT.search(match.group(2))
    return (
        f'<{match.group(1)} class="align-{alignment.group(1)}">'
        if alignment
        else f"<{match.group(1)}>"
    )


def _fit_headings(html: str, top: int) -> str:
    """Renumber headings so the text's outline sits under the page's without gaps.

    The levels the author used, in order, become top, top + 1, …: a summary under the
    issue's h1 starts at h2, an item body under its h3 title at h4.
    """
    levels = sorted({int(level) for _, level in _HEADING.findall(html)})
    if not levels:
        return html
    mapping = {level: min(top + rank, 6) for rank, level in enumerate(levels)}
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{mapping[int(m.group(2))]}", html)


class MarkdownRefused(ValueError):
    """Text `render` will not render; the message says why in words fit for its author."""

    code = "markdown_refused"


class MarkdownTooLong(MarkdownRefused):
    code = "markdown_too_long"

    def __init__(self, length: int):
        self.length = length
        super().__init__(
            f"This text is {length:,} characters long, and one field can hold at most "
            f"{MAX_CHARS:,}. Shorten it, or split it across several items."
        )


class MarkdownTooDeep(MarkdownRefused):
    code = "markdown_too_deep"

    def __init__(self):
        super().__init__(
            "This text nests lists or quotes inside one another too deeply to be shown "
            "(a line such as “1. 1. 1. …” makes a list in a list for each “1.”). Put a "
            "backslash before the markers that are not meant as lists, as in “1\\.”."
        )


def validate(value: str) -> None:
    """A field validator: what `render` refuses, a form refuses, with the same words."""
    try:
        render(value)
    except MarkdownRefused as refusal:
        raise ValidationError(str(refusal), code=refusal.code) from refusal


# Bounded parsing ---------------------------------------------------------------------
#
# Python-Markdown's link and image parsers (LinkInlineProcessor.getText and .getLink,
# used by six processors) walk forward from a `[`, or from the `(` after `[text]`, to
# the matching bracket one character at a time, and give up only at the end of the
# paragraph: brackets that never close cost the square of their number (20,000 `[`,
# `![` or `[a](` took minutes). So:
# - a run of RUN openers or more in a row (`[`, `![` or `[text](`) is text, taken out
#   before the link parsers run (code spans are taken out before it: they are safe);
# - the link parsers run as written while the text has cost them less than
#   SCAN_BUDGET_PER_CHAR characters scanned per character of input, far more than any
#   real text needs, so ordinary text renders exactly as Python-Markdown renders it;
#   past that they find the closing bracket with a regular expression, at most
#   MAX_NESTING deep and MAX_SPAN characters away, so a real link is still a link;
# - the raw-HTML pass (the standard library's HTMLParser) reads a `<` as the start of a
#   tag only if a `>` follows within MAX_SPAN characters: otherwise each `<` of
#   `<http://` repeated is a scan to the end of the text;
# - blocks (lines between blank lines) are consumed a heading, a rule or a reference
#   at a time, and every block parser searches each rest again, so a block is at most
#   BLOCK_LINES lines long: past that, a blank line is put before the next line that
#   does not start with a space (no real paragraph, list or table is that long), and
#   the tables extension decides whether a block is a table from its first rows, as it
#   always did, without first splitting and stripping every line of the block.

RUN = 32
BLOCK_LINES = 200
SCAN_BUDGET_PER_CHAR = 10
SCAN_BUDGET_BASE = 50_000
MAX_NESTING = 8
MAX_SPAN = 4_000

_RUN_OF_OPENERS = rf"(?:!?\[(?:[^\[\]\n]{{0,200}}\]\()?){{{RUN},}}"
_SQUARE = re.compile(r"[\[\]]")
_ROUND = re.compile(r"[()]")
_LINK_PROCESSORS = (
    "reference",
    "link",
    "image_link",
    "image_reference",
    "short_reference",
    "short_image_ref",
)


class _RunOfOpeners(inlinepatterns.InlineProcessor):
    """Text, not links: a run of openers no link parser needs to walk through."""

    def handleMatch(self, m, data):  # noqa: N802
        return util.AtomicString(m.group(0)), m.start(0), m.end(0)


def _closing(pattern: re.Pattern, opener: str, data: str, index: int, depth: int) -> int | None:
    """Where the bracket open at `index` closes (the position after it), within bounds."""
    for match in pattern.finditer(data, index, min(len(data), index + MAX_SPAN)):
        depth += 1 if match.group() == opener else -1
        if depth == 0:
            return match.end()
        if depth > MAX_NESTING:
            return None
    return None


class _Scanning:
    """What one rendering has spent on link parsing, and what it found where."""

    def __init__(self):
        self.start("")

    def start(self, text: str) -> None:
        """A new text: a new budget, nothing found yet."""
        self.budget = SCAN_BUDGET_BASE + SCAN_BUDGET_PER_CHAR * len(text)
        self.data: str | None = None
        self.texts: dict[int, tuple[str, int, bool]] = {}  # the six parsers ask alike


class _BoundedLinks:
    """Mixed into each of Python-Markdown's link processors: see "Bounded parsing"."""

    scanning: _Scanning

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
        scanning = self.scanning
        if scanning.budget > 0:
            text, end, handled = super().getText(data, index)
            scanning.budget -= end - index
            return text, end, handled
        if scanning.data is not data:
            scanning.data, scanning.texts = data, {}
        if index not in scanning.texts:
            end = _closing(_SQUARE, "[", data, index, 1)
            found = ("", index, False) if end is None else (data[index : end - 1], end, True)
            scanning.texts[index] = found
        return scanning.texts[index]

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
        if not data.startswith("(", index):
            return super().getLink(data, index)  # not a link, as a regular expression says
        scanning = self.scanning
        if scanning.budget > 0:
            href, title, end, handled = super().getLink(data, index)
            # The parser stopped at `end` when it closed the link plainly; otherwise (not
            # closed, or falling back after an unclosed quote) it walked to the end.
            plain = handled and (
                title is not None
                or (data.find('"', index, end) == -1 and data.find("'", index, end) == -1)
            )
            scanning.budget -= (end if plain else len(data)) - index
            return href, title, end, handled
        end = _closing(_ROUND, "(", data, index, 0)
        if end is None:
            return "", None, index, False
        # The parser as written, on just that much: it never reads before `index`.
        href, title, length, handled = super().getLink(data[index:end], 0)
        return href, title, index + length, handled


_BOUNDED_CLASSES: dict[type, type] = {}


def _bounded(stock: type) -> type:
    if stock not in _BOUNDED_CLASSES:
        _BOUNDED_CLASSES[stock] = type(f"Bounded{stock.__name__}", (_BoundedLinks, stock), {})
    return _BOUNDED_CLASSES[stock]


class _BoundedHTMLExtractor(HTMLExtractor):
    def check_for_whole_start_tag(self, i: int) -> int:
        if self.rawdata.find(">", i, i + MAX_SPAN) == -1:
            return -1  # not a tag: the `<` is text
        return super().check_for_whole_start_tag(i)


class _BoundedHtmlBlocks(preprocessors.HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        parser = _BoundedHTMLExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


def _lines(text: str):
    """The lines of `text`, one at a time."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


class _TableFromFirstRows(TableProcessor):
    def test(self, parent, block: str) -> bool:
        # The stock test, reading only the rows it looks at.
        header, newline, rest = block.partition("\n")
        if not newline:
            return False
        header = header.strip(" ")
        self.border = PIPE_NONE
        if header.startswith("|"):
            self.border |= PIPE_LEFT
        if self.RE_END_BORDER.search(header) is not None:
            self.border |= PIPE_RIGHT
        columns = len(self._split_row(header))
        is_table = columns > 1
        # Each row in a single column table needs at least one pipe.
        if not is_table and columns == 1 and self.border:
            for line in _lines(rest):
                row = line.strip(" ")
                is_table = row.startswith("|") or self.RE_END_BORDER.search(row) is not None
                if not is_table:
                    break
        if is_table:
            row = self._split_row(rest.partition("\n")[0].strip(" "))
            is_table = len(row) == columns and set("".join(row)) <= set("|:- ")
            if is_table:
                self.separator = row
        return is_table


class _ShortBlocks(preprocessors.Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out, run = [], 0
        for line in lines:
            if not line.strip():
                run = 0
            elif run >= BLOCK_LINES and not line[:1].isspace():
                out.append("")
                run = 1
            else:
                run += 1
            out.append(line)
        return out


class _Bounds(Extension):
    """Puts the bounds above on one Markdown instance, with one budget for each text."""

    def __init__(self):
        super().__init__()
        self.scanning = _Scanning()

    def extendMarkdown(self, md):  # noqa: N802
        md.preprocessors.register(_BoundedHtmlBlocks(md), "html_block", 20)
        # After fenced code (25) and raw HTML (20) are put aside.
        md.preprocessors.register(_ShortBlocks(md), "short_blocks", 15)
        tables = md.parser.blockprocessors["table"]
        md.parser.blockprocessors.register(
            _TableFromFirstRows(md.parser, tables.config), "table", 75
        )
        # After code spans (190) and backslash escapes (180), before every link parser.
        md.inlinePatterns.register(_RunOfOpeners(_RUN_OF_OPENERS, md), "run_of_openers", 175)
        for name in _LINK_PROCESSORS:
            processor = md.inlinePatterns[name]
            # The same instance in the same place, with the bounded methods.
            processor.__class__ = _bounded(type(processor))
            processor.scanning = self.scanning


# One Markdown instance per thread, reset between texts (as Python-Markdown documents for
# converting many texts): building one registers every extension and processor again,
# which cost as much as converting a short text. An instance is not thread-safe, and one
# whose conversion raised may hold half-parsed state, so it is dropped then.
_instances = threading.local()


def _converter(text: str) -> python_markdown.Markdown:
    md = getattr(_instances, "md", None)
    if md is None:
        bounds = _Bounds()
        md = python_markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists", bounds], output_format="html"
        )
        md.bounds = bounds
        _instances.md = md
    md.reset()
    md.bounds.scanning.start(text)
    return md


def render(text: str, *, top_heading: int = 4) -> str:
    """Render markdown to HTML that is safe to show to readers without escaping.

    `top_heading` is the level the text's largest heading gets: 2 under the issue title,
    3 in a section intro, 4 (the default) in an item or paper. Text it will not render
    (longer than MAX_CHARS, or nested too deeply) raises MarkdownRefused, a ValueError
    whose message is fit to show its author.
    """
    if not text:
        return ""
    if len(text) > MAX_CHARS:
        raise MarkdownTooLong(len(text))
    try:
        html = _converter(text).convert(text)
    except RecursionError as error:  # Python-Markdown parses nested blocks recursively
        _instances.md = None
        raise MarkdownTooDeep() from error
    except BaseException:
        _instances.md = None
        raise
    html = _fit_headings(html, top_heading)
    html = _cleaner.clean(html)
    html = _LINK_WITHOUT_HREF.sub(r"\2", html)
    html = _STYLED_CELL.sub(_aligned_cell, html)
    return _IMG.sub(_fix_img, html)
