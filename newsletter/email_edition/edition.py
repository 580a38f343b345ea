"""The email edition of a revision: an HTML document for mail clients, and plain text.

An editor pastes either into a mailing tool, so both stand alone: every link and picture
is absolute, the HTML carries its CSS inline (css-inline) because many clients drop
<style>, and pictures are single `src`s with a width, since many clients ignore srcset.
Both are built from the revision's snapshot; its HTML fields are already sanitised.
"""

import html
import re
import textwrap
from html.parser import HTMLParser
from urllib.parse import unquote

import css_inline
from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from newsletter.absolute import absolute, absolutize_html
from newsletter.models import Image, Revision

EMAIL_WIDTH = 600  # px: the column most mail clients show without scrolling
RENDITION_WIDTH = 960  # the rendition sharp enough for EMAIL_WIDTH on a 1.5x screen
TEXT_WIDTH = 72
PREHEADER_CHARS = 140

# Snapshot HTML is serialised by html5ever (nh3), so attribute values are double-quoted.
_IMG = re.compile(r'<img((?:\s+[a-z-]+="[^"]*")*)\s*/?>')
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')
_FRAGMENT_HREF = re.compile(r'\bhref="#')
_KEPT_STYLE = re.compile(r"<head>\s*(<style>.*?</style>)", re.S)


# Building blocks shared by both versions ----------------------------------------------


def _sized(width: int, height: int | None) -> tuple[int, int | None]:
    """The size to show a `width` x `height` picture at in the email column."""
    shown = min(EMAIL_WIDTH, width)
    return shown, (round(height * shown / width) if height else None)


def _email_image(ref: dict | None, base: str) -> dict | None:
    """A snapshot image reference as the email shows it: one src, a width, alt text."""
    if not ref:
        return None
    wide = [r for r in ref.get("renditions", []) if r["width"] >= RENDITION_WIDTH]
    src = wide[0]["url"] if wide else ref["url"]
    width, height = _sized(ref["width"], ref.get("height"))
    return {
        "src": absolute(src, base),
        "width": width,
        "height": height,
        "alt": ref.get("alt") or "",
        "caption": ref.get("caption") or "",
        "credit": ref.get("credit") or "",
        "credit_url": ref.get("credit_url") or "",
    }


def _media_name(src: str) -> str | None:
    src = html.unescape(src)
    if src.startswith(settings.MEDIA_URL):
        return unquote(src[len(settings.MEDIA_URL) :])
    return None


def _uploads_in(fragments: list[str]) -> dict[str, Image]:
    """The Images that markdown bodies show, by file name, in one query."""
    names = {
        name
        for fragment in fragments
        for match in _IMG.finditer(fragment)
        if (src := dict(_ATTR.findall(match.group(1))).get("src")) and (name := _media_name(src))
    }
    if not names:
        return {}
    return {image.file.name: image for image in Image.objects.filter(file__in=names)}


def _email_fragment(fragment: str, *, base: str, web_url: str, uploads: dict[str, Image]) -> str:
    """Sanitised snapshot HTML made fit for mail: absolute links, plain sized images."""
    if not fragment:
        return ""

    def img(match: re.Match) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        src = attrs.get("src", "")
        upload = uploads.get(_media_name(src) or "")
        if upload is not None:
            wide = [r for r in upload.renditions if r.get("width", 0) >= RENDITION_WIDTH]
            if wide:
                src = html.escape(default_storage.url(wide[0]["name"]))
            width, height = _sized(upload.width, upload.height)
        elif attrs.get("width", "").isdigit() and int(attrs["width"]) > 0:
            given = attrs.get("height", "")
            width, height = _sized(int(attrs["width"]), int(given) if given.isdigit() else None)
        else:
            width, height = EMAIL_WIDTH, None
        tag = f'<img src="{src}" width="{width}"'
        if height:
            tag += f' height="{height}"'
        tag += f' alt="{attrs.get("alt", "")}"'
        if attrs.get("title"):
            tag += f' title="{attrs["title"]}"'
        return tag + ">"

    fragment = _IMG.sub(img, fragment)
    # A link within the page works only on the page itself.
    fragment = _FRAGMENT_HREF.sub(f'href="{html.escape(web_url)}#', fragment)
    return absolutize_html(fragment, base)


def _preheader(summary_html: str) -> str:
    text = " ".join(html.unescape(strip_tags(summary_html)).split())
    return Truncator(text).chars(PREHEADER_CHARS)


def _edition(revision: Revision, base: str) -> dict:
    """Everything both versions show, with links absolute and HTML made fit for mail."""
    snapshot = revision.snapshot
    issue = snapshot["issue"]
    web_url = absolute(
        reverse(
            "newsletter:issue-detail", kwargs={"number": issue["number"], "slug": issue["slug"]}
        ),
        base,
    )
    fragments = [issue["summary_html"]]
    for section in snapshot["sections"]:
        fragments.append(section["intro_html"])
        for entry in section["entries"]:
            fragments.append(entry.get("body_html") or entry.get("summary_html") or "")
    uploads = _uploads_in(fragments)

    def fit(fragment: str) -> str:
        return _email_fragment(fragment, base=base, web_url=web_url, uploads=uploads)

    sections = []
    for section in snapshot["sections"]:
        entries = []
        for entry in section["entries"]:
            entries.append(
                {
                    "kind": entry["kind"],
                    "title": entry["title"],
                    "url": absolute(entry.get("url", ""), base),
                    "source": entry.get("source", ""),
                    "authors": entry.get("authors", ""),
                    "arxiv_id": entry.get("arxiv_id", ""),
                    "arxiv_url": entry.get("arxiv_url", ""),
                    "paper_url": entry.get("paper_url", ""),
                    "code_url": entry.get("code_url", ""),
                    "demo_url": entry.get("demo_url", ""),
                    "body_html": fit(entry.get("body_html") or entry.get("summary_html") or ""),
                    "image": _email_image(entry.get("image"), base),
                }
            )
        sections.append(
            {
                "title": section["title"],
                "intro_html": fit(section["intro_html"]),
                "entries": entries,
            }
        )
    return {
        "site_name": settings.SITE_NAME,
        "site_url": base,
        "archive_url": absolute(reverse("newsletter:archive"), base),
        "web_url": web_url,
        "date": revision.go_live_at,
        "issue": {
            "number": issue["number"],
            "title": issue["title"],
            "summary_html": fit(issue["summary_html"]),
            "hero": _email_image(issue.get("hero_image"), base),
        },
        "preheader": _preheader(issue["summary_html"]),
        "sections": sections,
    }


# HTML ---------------------------------------------------------------------------------


def email_html(revision: Revision, *, base: str) -> str:
    """A complete HTML document for mail clients, CSS inlined, every URL absolute."""
    document = render_to_string("newsletter/email/issue.html", _edition(revision, base))
    # @media rules (dark mode, narrow screens) cannot be inlined: they stay in <style>.
    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
    document = inliner.inline(document)
    # css-inline puts that <style> first in <head>: move it after <meta charset>, which
    # must come within the first 1024 bytes for a saved or pasted file to decode right.
    kept = _KEPT_STYLE.search(document)
    if kept:
        document = _KEPT_STYLE.sub("<head>", document, count=1)
        document = document.replace("</head>", kept.group(1) + "\n</head>", 1)
    return document


# Plain text ---------------------------------------------------------------------------


def heading(text: str, char: str, width: int = TEXT_WIDTH) -> str:
    """`text` wrapped and underlined with `char`, as plain-text mail marks headings."""
    lines = textwrap.wrap(" ".join(text.split()), width, break_long_words=False) or [""]
    return "\n".join(lines) + "\n" + char * max(len(line) for line in lines)


def wrap(text: str, width: int = TEXT_WIDTH, indent: str = "") -> str:
    return textwrap.fill(
        " ".join(text.split()),
        width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


class _TextWriter(HTMLParser):
    """Sanitised HTML to readable plain text: wrapped paragraphs, bullets, `text (url)`."""

    UNDERLINES = {"h1": "=", "h2": "-"}  # h3 and below: "~"
    BLOCKS = {"p", "div", "figure", "figcaption", "section", "article", "header", "footer"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self, width: int):
        super().__init__(convert_charrefs=True)
        self.width = width
        self.blocks: list[tuple[str, bool]] = []  # (text, joined to the previous by one \n)
        self.inline: list[str] = []
        self.links: list[tuple[str, int]] = []
        self.lists: list[dict] = []  # {"ordered", "n", "bullet"}: the open lists, outermost first
        self.bullet: str | None = None  # the bullet the next line starts with
        self.quotes = 0
        self.pre = 0
        self.skip = 0
        self.heading: str | None = None
        self.cells: list[int] = []
        self.row: list[str] | None = None
        self.header_row = False
        self.table_rows = 0
        self._list_starts = False  # the next block opens a list: a blank line before it

    # Output

    def _emit(self, text: str, *, tight: bool = False) -> None:
        prefix = "> " * self.quotes
        lines = [(prefix + line).rstrip() for line in text.split("\n")]
        tight = tight or (bool(self.lists) and len(self.blocks) > 0 and not self._list_starts)
        self._list_starts = False
        self.blocks.append(("\n".join(lines), tight))

    def flush(self) -> None:
        text = "".join(self.inline)
        self.inline = []
        if self.pre:
            text = text.strip("\n")
            if text:
                self._emit("\n".join("    " + line for line in text.split("\n")))
            return
        lines = [" ".join(line.split()) for line in text.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        if not lines:
            return
        if self.heading:
            self._emit(heading(" ".join(lines), self.UNDERLINES.get(self.heading, "~"), self._room))
            return
        indent = " " * sum(len(level["bullet"]) for level in self.lists)
        first = indent
        if self.bullet is not None:
            first = indent[: len(indent) - len(self.bullet)] + self.bullet
            self.bullet = None
        out = []
        for i, line in enumerate(lines):
            out.append(
                textwrap.fill(
                    line or " ",
                    self._room,
                    initial_indent=first if i == 0 else indent,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        self._emit("\n".join(out))

    @property
    def _room(self) -> int:
        return max(20, self.width - 2 * self.quotes)

    def text(self) -> str:
        self.close()
        self.flush()
        out = ""
        for text, tight in self.blocks:
            out += (("\n" if tight else "\n\n") if out else "") + text
        return out

    # Parsing

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCKS:
            self.flush()
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.flush()
            self.heading = tag
        elif tag == "br":
            self.inline.append("\n")
        elif tag in {"ul", "ol"}:
            self.flush()
            if not self.lists:
                self._list_starts = True
            start = attrs.get("start") or "1"
            self.lists.append(
                {
                    "ordered": tag == "ol",
                    "n": int(start) - 1 if start.isdigit() else 0,
                    "bullet": "",
                }
            )
        elif tag == "li":
            self.flush()
            if not self.lists:
                self.lists.append({"ordered": False, "n": 0, "bullet": ""})
            level = self.lists[-1]
            level["n"] += 1
            level["bullet"] = f"{level['n']}. " if level["ordered"] else "* "
            self.bullet = level["bullet"]
        elif tag == "blockquote":
            self.flush()
            self.quotes += 1
        elif tag == "pre":
            self.flush()
            self.pre += 1
        elif tag == "code" and not self.pre:
            self.inline.append("`")
        elif tag == "a":
            self.links.append((attrs.get("href") or "", len(self.inline)))
        elif tag == "img":
            alt = " ".join((attrs.get("alt") or "").split())
            self.inline.append(f"[Image: {alt}]" if alt else "[Image]")
        elif tag == "hr":
            self.flush()
            self._emit("* * *")
        elif tag == "table":
            self.flush()
            self.table_rows = 0
        elif tag == "tr":
            self.flush()
            self.row, self.header_row = [], True
        elif tag in {"td", "th"}:
            self.cells.append(len(self.inline))
            self.header_row = self.header_row and tag == "th"

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.flush()
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.flush()
            self.heading = None
        elif tag in {"ul", "ol"} and self.lists:
            self.flush()
            self.lists.pop()
        elif tag == "li":
            self.flush()
            self.bullet = None
        elif tag == "blockquote" and self.quotes:
            self.flush()
            self.quotes -= 1
        elif tag == "pre" and self.pre:
            self.flush()
            self.pre -= 1
        elif tag == "code" and not self.pre:
            self.inline.append("`")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = " ".join("".join(self.inline[start:]).split())
            shown = href.removeprefix("mailto:")
            if href and not href.startswith("#") and shown not in label:
                self.inline.append(f" ({shown})" if label else shown)
        elif tag in {"td", "th"} and self.cells:
            start = self.cells.pop()
            cell = " ".join("".join(self.inline[start:]).split())
            del self.inline[start:]
            if self.row is not None:
                self.row.append(cell)
        elif tag == "tr" and self.row is not None:
            line = " | ".join(self.row)
            if line.strip(" |"):
                rule = "\n" + "-" * len(line) if self.header_row and self.row else ""
                self._emit(line + rule, tight=self.table_rows > 0)
                self.table_rows += 1
            self.row = None
        elif tag == "table":
            self.flush()

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            self.inline.append(data)
        else:
            self.inline.append(re.sub(r"\s+", " ", data))


def html_to_text(fragment: str, width: int = TEXT_WIDTH) -> str:
    """Plain text for sanitised HTML: what a reader of a text-only email sees."""
    if not fragment:
        return ""
    writer = _TextWriter(width)
    writer.feed(fragment)
    return writer.text()


def _figure_text(image: dict | None) -> str:
    if not image:
        return ""
    lines = [f"[Image: {image['alt']}]" if image["alt"] else "[Image]"]
    if image["caption"]:
        lines.append(wrap(image["caption"]))
    if image["credit"]:
        credit = f"Credit: {image['credit']}"
        if image["credit_url"]:
            credit += f" ({image['credit_url']})"
        lines.append(wrap(credit))
    return "\n".join(lines)


def email_text(revision: Revision, *, base: str) -> str:
    """The plain-text version: wrapped at 72 characters, links written out in full."""
    edition = _edition(revision, base)
    issue = edition["issue"]
    issue["heading"] = heading(issue["title"], "=")
    issue["summary"] = html_to_text(issue["summary_html"])
    issue["hero_text"] = _figure_text(issue["hero"])
    for section in edition["sections"]:
        section["heading"] = heading(section["title"], "-")
        section["intro"] = html_to_text(section["intro_html"])
        for entry in section["entries"]:
            entry["heading"] = heading(entry["title"], "~")
            entry["authors_text"] = wrap(entry["authors"]) if entry["authors"] else ""
            entry["body"] = html_to_text(entry["body_html"])
            entry["image_text"] = _figure_text(entry["image"])
    text = render_to_string("newsletter/email/issue.txt", edition)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
