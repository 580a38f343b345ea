"""Markdown to sanitised HTML: the one function every preview, snapshot and page uses.

Python-Markdown renders (tables, fenced code), then nh3 keeps an allow-list of tags,
attributes and URL schemes. Two touch-ups keep the result valid and accessible even for
hostile input: a link whose URL was removed becomes its plain text, and every image
has an alt attribute.
"""

import re

import markdown as python_markdown
import nh3

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


def render(text: str, *, top_heading: int = 4) -> str:
    """Render markdown to HTML that is safe to show to readers without escaping.

    `top_heading` is the level the text's largest heading gets: 2 under the issue title,
    3 in a section intro, 4 (the default) in an item or paper.
    """
    if not text:
        return ""
    html = python_markdown.markdown(
        text, extensions=["tables", "fenced_code", "sane_lists"], output_format="html"
    )
    html = _fit_headings(html, top_heading)
    html = _cleaner.clean(html)
    html = _LINK_WITHOUT_HREF.sub(r"\2", html)
    return _IMG.sub(_fix_img, html)
