"""The plain-text version of the email edition: wrapped at 72 characters, links in full."""

import re
import textwrap
from html.parser import HTMLParser

from django.template.loader import render_to_string

from newsletter.email_edition.edition import edition
from newsletter.models import Revision

TEXT_WIDTH = 72


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


def email_text(revision: Revision, *, base: str, links: dict | None = None) -> str:
    """The plain-text version: wrapped at 72 characters, links written out in full."""
    parts = edition(revision, base, links)
    issue = parts["issue"]
    issue["heading"] = heading(issue["title"], "=")
    issue["summary"] = html_to_text(issue["summary_html"])
    issue["hero_text"] = _figure_text(issue["hero"])
    for section in parts["sections"]:
        section["heading"] = heading(section["title"], "-")
        section["intro"] = html_to_text(section["intro_html"])
        for entry in section["entries"]:
            entry["heading"] = heading(entry["title"], "~")
            entry["authors_text"] = wrap(entry["authors"]) if entry["authors"] else ""
            entry["body"] = html_to_text(entry["body_html"])
            entry["image_text"] = _figure_text(entry["image"])
    text = render_to_string("newsletter/email/issue.txt", parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
