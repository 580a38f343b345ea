"""Import an issue written in markdown: `parse_issue(text)` reads it, `create_issue` saves it.

`parse_issue` is pure (no database): it turns the text into a `ParsedIssue` of dataclasses
and checks every value against the model fields it will fill (lengths, URLs, arXiv ids),
so bad input is refused before anything is written. `create_issue` then saves one draft
issue with its sections, items and papers in one transaction. `decode(data)` turns the
bytes of an uploaded file into text, refusing binary files and files over `MAX_BYTES`.

The conventions (README, "Importing an issue written in markdown"):

- the first `# ` heading is the issue title; the text before the first `## ` the summary;
- each `## ` heading is a section; its text before its first `### ` is the section intro;
- each `### ` heading is an entry. `### [Title](https://…)` gives its URL; lines right
  under the heading such as `Source: …`, `Authors: …`, `Code: …`, `Demo: …`, `Paper: …`
  and `arXiv: …` fill those fields; the rest is the entry's body;
- an entry that names an arXiv paper (a link to arxiv.org/abs/ or /pdf/, or `arXiv:` and
  an id), or has an `Authors:` or `Paper:` line, is a Paper; any other entry is an Item.
  Its arXiv id is stored bare (no `arXiv:`, no link) and keeps a version only when the
  text names one: `arXiv:2201.12086` gives `2201.12086` (the paper as it is now),
  `arxiv.org/pdf/2201.12086v2.pdf` gives `2201.12086v2`; a link is kept as the paper URL;
- in a section without `### ` entries, bullets such as `- **[Title](url)** — commentary`
  are one item each;
- pictures (`![alt](file.png)`) stay in the markdown as they are; the ones whose files
  are not on this site are listed in `ParsedIssue.pictures` for an editor to upload.

Headings, bullets and metadata inside fenced code blocks are text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import capfirst, slugify

from newsletter.models import Issue, Item, Paper, Section

MAX_BYTES = 1024 * 1024
MAX_TEXT = "1 MB"
MAX_NUMBER = 2147483647  # PositiveIntegerField on PostgreSQL


class IssueImportError(ValueError):
    """Input that cannot become an issue. `problems` lists every reason, for people to read.

    `field` names the one input at fault when there is one (`"number"`), for forms.
    """

    def __init__(self, problems: str | list[str], *, field: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.field = field
        super().__init__("\n".join(self.problems))


# The parsed issue --------------------------------------------------------------------


@dataclass
class ParsedItem:
    title: str
    url: str = ""
    source: str = ""
    body: str = ""
    line: int = 0

    kind = "item"


@dataclass
class ParsedPaper:
    title: str
    authors: str = ""
    arxiv_id: str = ""
    paper_url: str = ""
    code_url: str = ""
    demo_url: str = ""
    summary: str = ""
    line: int = 0

    kind = "paper"


@dataclass
class ParsedSection:
    title: str
    intro: str = ""
    entries: list[ParsedItem | ParsedPaper] = field(default_factory=list)
    line: int = 0

    @property
    def items(self) -> list[ParsedItem]:
        return [entry for entry in self.entries if isinstance(entry, ParsedItem)]

    @property
    def papers(self) -> list[ParsedPaper]:
        return [entry for entry in self.entries if isinstance(entry, ParsedPaper)]


@dataclass
class Picture:
    """A picture in the markdown whose file is elsewhere: an editor uploads it and drops it in."""

    alt: str
    src: str
    where: str


@dataclass
class ParsedIssue:
    title: str
    summary: str = ""
    sections: list[ParsedSection] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def paper_count(self) -> int:
        return sum(len(section.papers) for section in self.sections)


# Bytes to text -----------------------------------------------------------------------


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{size / 1024:.0f} KB"


def too_big(size: int, what: str = "The file") -> IssueImportError:
    return IssueImportError(
        f"{what} is {size_text(size)}; the largest issue that can be imported is {MAX_TEXT}."
    )


def decode(data: bytes, *, what: str = "The file") -> str:
    """The text of an uploaded markdown file: UTF-8, no NUL bytes, at most MAX_BYTES."""
    if len(data) > MAX_BYTES:
        raise too_big(len(data), what)
    if b"\x00" in data:
        raise IssueImportError(
            f"{what} is not a text file (it contains NUL bytes): import a markdown (.md) file."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IssueImportError(
            f"{what} is not UTF-8 text (byte {error.start + 1} is not valid UTF-8): "
            "import a markdown (.md) file saved as UTF-8."
        ) from None


# Inline markdown ---------------------------------------------------------------------


def parse_link(text: str, start: int = 0) -> tuple[str, str, int] | None:
    """`[text](url "title")` at `start`: (text, url, index after it), or None.

    Brackets in the text and parentheses in the URL may nest, as in Wikipedia's
    `https://en.wikipedia.org/wiki/Transformer_(deep_learning)`.
    """
    if not text.startswith("[", start):
        return None
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                break
        i += 1
    else:
        return None
    label = text[start + 1 : i]
    i += 1
    if not text.startswith("(", i):
        return None
    i += 1
    while i < len(text) and text[i] in " \t":
        i += 1
    if text.startswith("<", i):
        end = text.find(">", i)
        if end < 0:
            return None
        url, i = text[i + 1 : end], end + 1
    else:
        depth, begin = 0, i
        while i < len(text) and not text[i].isspace():
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        url = text[begin:i]
    title = re.compile(r"""\s*(?:"[^"]*"|'[^']*')?\s*\)""").match(text, i)
    if title is None:
        return None
    return label, url.strip(), title.end()


_EMPHASIS = (
    re.compile(r"\*\*(.+?)\*\*"),
    re.compile(r"__(.+?)__"),
    re.compile(r"(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])"),
    re.compile(r"(?<![\w_])_(\S(?:.*?\S)?)_(?![\w_])"),
    re.compile(r"`([^`]+)`"),
)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")


def plain(text: str) -> str:
    """Inline markdown as the plain text a title field holds: links, emphasis, code dropped."""
    out, i = [], 0
    while i < len(text):
        link = parse_link(text, i) if text[i] == "[" and text[i - 1 : i] != "!" else None
        if link:
            out.append(link[0])
            i = link[2]
        else:
            out.append(text[i])
            i += 1
    # Escaped characters are literal: set them aside while emphasis is taken off.
    escaped: list[str] = []

    def keep(match: re.Match) -> str:
        escaped.append(match.group(1))
        return f"\ue000{len(escaped) - 1}\ue001"

    text = _ESCAPE.sub(keep, "".join(out))
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    text = re.sub("\ue000(\\d+)\ue001", lambda m: escaped[int(m.group(1))], text)
    return " ".join(text.split())


def _unwrap_bold(text: str) -> str:
    for marker in ("**", "__"):
        if len(text) > 4 and text.startswith(marker) and text.endswith(marker):
            return text[2:-2].strip()
    return text


def link_only(text: str) -> tuple[str, str] | None:
    """(text, url) when `text` is one link and nothing else (bold around it allowed)."""
    text = _unwrap_bold(text.strip())
    link = parse_link(text)
    if link and not text[link[2] :].strip():
        return link[0], link[1]
    return None


def url_in(value: str) -> str | None:
    """The URL a metadata value gives: `[text](url)`, `<url>` or a bare http(s) URL."""
    value = value.strip()
    link = link_only(value)
    if link:
        return link[1]
    if value.startswith("<") and value.endswith(">") and " " not in value:
        value = value[1:-1]
    if re.match(r"(?i)https?://\S*$", value):
        return value
    return None


# arXiv -------------------------------------------------------------------------------

_ARXIV_ID = r"(?P<id>\d{4}\.\d{4,5}(?!\d)|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?!\d))"
_VERSION = r"(?P<version>v\d+)?"
ARXIV_URL = re.compile(
    r"(?<![\w-])(?:https?://)?(?:(?i:www|export)\.)?(?i:arxiv\.org)/(?i:abs|pdf|html)/"
    + _ARXIV_ID
    + _VERSION
    + r"(?:\.pdf)?"
)
ARXIV_MENTION = re.compile(r"(?<![\w/.-])(?i:arxiv):\s?" + _ARXIV_ID + _VERSION)
ARXIV_BARE = re.compile(r"^" + _ARXIV_ID + _VERSION + r"$")


def arxiv_in(text: str, *, bare: bool = False) -> tuple[str, str] | None:
    """(arXiv id, the URL as written or "") for the first arXiv paper `text` names, or None.

    The id is bare (no `arXiv:`, no link) and keeps a version only when `text` names one
    (`2201.12086v2`). With `bare`, `text` may also be just an id (`2201.12086`).
    """
    found = [m for m in (ARXIV_URL.search(text), ARXIV_MENTION.search(text)) if m]
    if bare and (whole := ARXIV_BARE.match(text.strip())):
        found.append(whole)
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    arxiv_id = match["id"] + (match["version"] or "")
    if match.re is not ARXIV_URL:
        return arxiv_id, ""
    url = match.group(0)
    return arxiv_id, url if re.match(r"(?i)https?://", url) else "https://" + url


# Pictures ----------------------------------------------------------------------------

_PICTURE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")


def _local_picture(src: str) -> bool:
    """Whether a picture's file is elsewhere: not on the web, not uploaded to this site."""
    return urlsplit(src).scheme.lower() not in {"http", "https", "data"} and not src.startswith(
        "/media/"
    )


# Lines to parts ----------------------------------------------------------------------

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FENCE_END = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_METADATA = re.compile(
    r"^ {0,3}[*_]{0,2}(?P<key>[A-Za-z]+)[*_]{0,2}[ \t]*:[*_]{0,2}[ \t]*(?P<value>\S.*?)[ \t]*$"
)
METADATA_KEYS = {
    "source": "source",
    "authors": "authors",
    "author": "authors",
    "code": "code_url",
    "demo": "demo_url",
    "paper": "paper_url",
    "pdf": "paper_url",
    "link": "url",
    "url": "url",
    "arxiv": "arxiv",
}
_URL_KEYS = {"code_url", "demo_url", "paper_url", "url"}


@dataclass
class _Part:
    heading: str
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _RawSection(_Part):
    entries: list[_Part] = field(default_factory=list)


def _heading(line: str) -> tuple[int, str] | None:
    match = _HEADING.match(line)
    if not match:
        return None
    text = re.sub(r"(?:^|[ \t]+)#+[ \t]*$", "", match.group(2)).strip()
    return len(match.group(1)), text


def _markdown(lines: list[tuple[int, str]] | list[str]) -> str:
    """Lines back to markdown, without blank lines or section rules at either end."""
    text = [line if isinstance(line, str) else line[1] for line in lines]
    text = [line.rstrip() for line in text]
    while text and (not text[0].strip() or _RULE.match(text[0])):
        text.pop(0)
    while text and (not text[-1].strip() or _RULE.match(text[-1])):
        text.pop()
    return "\n".join(text)


def normalise(text: str) -> str:
    """Check pasted or decoded text and give it one kind of line ending."""
    if "\x00" in text:
        raise IssueImportError("The text contains NUL characters: is it a binary file?")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise too_big(size, "The text")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IssueImportError(
            "There is nothing to import: the text is empty. An issue starts with its title "
            "on a line such as “# Machine Learning Monthly, June”."
        )
    return text


def _split(text: str, warnings: list[str]) -> tuple[_Part | None, list[str], list[_RawSection]]:
    """The title, the summary lines and the sections (with their entries) of the text."""
    title: _Part | None = None
    summary: list[tuple[int, str]] = []
    sections: list[_RawSection] = []
    fence: tuple[str, int, int] | None = None  # (character, length, line)
    for number, line in enumerate(text.split("\n"), start=1):
        heading = None
        if fence is not None:
            close = _FENCE_END.match(line)
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= fence[1]:
                fence = None
        elif opening := _FENCE.match(line):
            fence = (opening.group(1)[0], len(opening.group(1)), number)
        else:
            heading = _heading(line)
        if heading is not None:
            level, words = heading
            if level == 1 and title is None:
                if sections:
                    break  # the error below names the section found first
                title = _Part(words, number)
                continue
            if level == 2:
                if title is None:
                    raise IssueImportError(
                        f"The issue has no title: the section “{plain(words)[:80]}” on line "
                        f"{number} comes before any “# ” heading. Start the text with the "
                        "title, on a line such as “# Machine Learning Monthly, June”."
                    )
                sections.append(_RawSection(words, number))
                continue
            if level == 3 and sections:
                sections[-1].entries.append(_Part(words, number))
                continue
            if level == 1:
                warnings.append(
                    f"Line {number}: only the first “# ” heading is the title; "
                    f"“{plain(words)[:80]}” was kept as text."
                )
            elif level == 3:
                warnings.append(
                    f"Line {number}: the “### ” heading “{plain(words)[:80]}” comes before "
                    "the first section (“## ”), so it was kept in the issue summary."
                )
        target = summary
        if sections:
            target = sections[-1].entries[-1].lines if sections[-1].entries else sections[-1].lines
        target.append((number, line))
    if fence is not None:
        warnings.append(
            f"Line {fence[2]}: a code block starts here and is never closed, so everything "
            "after it was read as part of it."
        )
    if title is None:
        raise IssueImportError(
            "The issue has no title: the first heading must be the issue title, on a line "
            "starting with “# ”, such as “# Machine Learning Monthly, June”."
        )
    return title, summary, sections


# Entries -----------------------------------------------------------------------------


def _metadata(lines: list[tuple[int, str]]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The `Key: value` lines right under a heading, and the lines after them.

    Returns ([(field, value, the line as written)], the rest). A value that does not fit
    its key (`Code: coming soon`) is not metadata: it and everything after it is body.
    """
    found: list[tuple[str, str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i][1]
        if not line.strip():
            i += 1
            continue
        match = _METADATA.match(line)
        key = METADATA_KEYS.get(match["key"].lower()) if match else None
        if key is None:
            break
        value = match["value"]
        if key in _URL_KEYS:
            value = url_in(value)
        elif key == "arxiv":
            value = value.strip() if arxiv_in(value, bare=True) else None
        else:
            value = plain(value)
        if not value:
            break
        found.append((key, value, line))
        i += 1
    return found, [line for _, line in lines[i:]]


def _entry(
    heading: str, line: int, lines: list[tuple[int, str]] | list[str]
) -> ParsedItem | ParsedPaper:
    """One entry: a paper when it names an arXiv paper, its authors or its paper; else an item."""
    numbered = [(line, text) if isinstance(text, str) else text for text in lines]
    link = link_only(heading)
    title, url = (plain(link[0]), link[1]) if link else (plain(heading), "")
    found, rest = _metadata(numbered)
    body = _markdown(rest)
    given = {}
    for key, value, _ in found:
        given.setdefault(key, value)
    arxiv = (
        arxiv_in(url)
        or arxiv_in(given.get("paper_url", ""))
        or arxiv_in(given.get("arxiv", ""), bare=True)
        or arxiv_in(heading)
        or arxiv_in(body)
    )
    is_paper = bool(arxiv) or "authors" in given or "paper_url" in given
    # The entry's link: its heading's, else the first `Paper:` or `Link:` line's.
    link_keys = {"paper_url", "url"} if is_paper else {"url"}
    link_key = None if url else next((key for key, _, _ in found if key in link_keys), None)
    fields = {"authors", "code_url", "demo_url", "arxiv"} if is_paper else {"source"}
    fields |= {link_key} if link_key else set()
    # The first line for each field fills it; any other line stays in the text, as written.
    used, kept = set(), []
    for key, _, written in found:
        if key in fields and key not in used:
            used.add(key)
        else:
            kept.append(written)
    text = _markdown([*kept, *([""] if kept else []), body])
    if link_key:
        url = given[link_key]
    if is_paper:
        return ParsedPaper(
            title=title,
            authors=given.get("authors", ""),
            arxiv_id=arxiv[0] if arxiv else "",
            paper_url=url or (arxiv[1] if arxiv else ""),
            code_url=given.get("code_url", ""),
            demo_url=given.get("demo_url", ""),
            summary=text,
            line=line,
        )
    return ParsedItem(title=title, url=url, source=given.get("source", ""), body=text, line=line)


_BULLET = re.compile(r"^ ?[-*+][ \t]+")
_SEPARATOR = re.compile(r"^(?:—|–|-{1,2}|:)[ \t]*")


def _link_bullet(line: str) -> tuple[str, str, int] | None:
    """`- **[Title](url)** — commentary`: (the heading, the commentary, its indent)."""
    marker = _BULLET.match(line)
    if not marker:
        return None
    rest = line[marker.end() :]
    bold = next((b for b in ("**", "__") if rest.startswith(b)), "")
    link = parse_link(rest, len(bold))
    if link is None:
        return None
    heading, rest = rest[: link[2]], rest[link[2] :]
    if bold:
        colon = rest.startswith(":")
        if not rest[colon:].startswith(bold):
            return None
        heading = heading[len(bold) :]
        rest = rest[colon + len(bold) :]
    rest = rest.strip()
    commentary = _SEPARATOR.sub("", rest, count=1)
    return heading, commentary, marker.end()


def _bullets(lines: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[ParsedItem]]:
    """A section without `### ` entries: (its intro, an entry per link bullet)."""
    intro: list[tuple[int, str]] = []
    bullets: list[tuple[str, int, list[str], int]] = []  # heading, line, lines, indent
    fence = False
    for number, line in lines:
        found = None if fence else _link_bullet(line)
        if _FENCE.match(line):
            fence = not fence
        if found:
            heading, commentary, indent = found
            bullets.append((heading, number, [commentary] if commentary else [], indent))
        elif bullets:
            indent = bullets[-1][3]
            bullets[-1][2].append(line[indent:] if line[:indent].isspace() else line)
        else:
            intro.append((number, line))
    entries = [_entry(heading, number, body) for heading, number, body, _ in bullets]
    return intro, entries


# Checks against the models -----------------------------------------------------------


LABELS = {
    "url": "URL",
    "paper_url": "Paper URL",
    "code_url": "Code URL",
    "demo_url": "Demo URL",
    "arxiv_id": "arXiv id",
}


def _field_errors(instance, exclude: list[str], where: str) -> list[str]:
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        problems = []
        for name, messages in error.message_dict.items():
            label = LABELS.get(name) or capfirst(instance._meta.get_field(name).verbose_name)
            problems += [f"{where}: {label}: {message}" for message in messages]
        return problems
    return []


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57].rstrip() + "…"


def check(parsed: ParsedIssue) -> list[str]:
    """Every value that its model field would refuse, naming where it is."""
    problems = _field_errors(
        Issue(number=1, slug="issue", title=parsed.title, summary=parsed.summary),
        ["number", "slug", "hero_image"],
        "The issue title",
    )
    for section in parsed.sections:
        where = f"Line {section.line}, section “{_short(section.title)}”"
        if not section.title:
            problems.append(f"{where}: the section heading is empty.")
        problems += _field_errors(
            Section(title=section.title, intro=section.intro), ["issue", "position"], where
        )
        for entry in section.entries:
            what = "paper" if isinstance(entry, ParsedPaper) else "entry"
            where = (
                f"Line {entry.line}, {what} “{_short(entry.title)}” in “{_short(section.title)}”"
            )
            if not entry.title:
                problems.append(f"Line {entry.line}: an entry in “{section.title}” has no title.")
                continue
            if isinstance(entry, ParsedPaper):
                instance = Paper(**_values(entry))
            else:
                instance = Item(**_values(entry))
            problems += _field_errors(instance, ["section", "image", "position"], where)
    return problems


def _values(entry: ParsedItem | ParsedPaper) -> dict:
    return {name: value for name, value in vars(entry).items() if name != "line"}


# Parse -------------------------------------------------------------------------------


def parse_issue(text: str) -> ParsedIssue:
    """Read an issue written in markdown; raise IssueImportError listing what is wrong."""
    text = normalise(text)
    warnings: list[str] = []
    title, summary, raw_sections = _split(text, warnings)
    parsed = ParsedIssue(title=plain(title.heading), summary=_markdown(summary), warnings=warnings)
    if not parsed.title:
        raise IssueImportError(f"Line {title.line}: the issue title (the “# ” heading) is empty.")
    for raw in raw_sections:
        section = ParsedSection(title=plain(raw.heading), line=raw.line)
        if raw.entries:
            section.intro = _markdown(raw.lines)
            section.entries = [_entry(e.heading, e.line, e.lines) for e in raw.entries]
        else:
            intro, section.entries = _bullets(raw.lines)
            section.intro = _markdown(intro)
        parsed.sections.append(section)
    parsed.pictures = _pictures(parsed)
    for picture in parsed.pictures:
        if not picture.alt.strip():
            warnings.append(
                f"The picture {picture.src} in {picture.where} has no alt text: describe it "
                "for readers who cannot see it."
            )
    problems = check(parsed)
    if problems:
        raise IssueImportError(problems)
    return parsed


def _pictures(parsed: ParsedIssue) -> list[Picture]:
    texts = [("the summary", parsed.summary)]
    for section in parsed.sections:
        texts.append((f"the intro of “{_short(section.title)}”", section.intro))
        for entry in section.entries:
            body = entry.summary if isinstance(entry, ParsedPaper) else entry.body
            texts.append((f"“{_short(entry.title)}”", body))
    return [
        Picture(alt=match.group(1), src=match.group(2), where=where)
        for where, text in texts
        for match in _PICTURE.finditer(text)
        if _local_picture(match.group(2))
    ]


# Create ------------------------------------------------------------------------------


def unique_slug(title: str, number: int) -> str:
    """A slug from the title, with -2, -3… when it is taken (`issue-N` for a title of symbols)."""
    limit = Issue._meta.get_field("slug").max_length
    base = slugify(title)[:limit].strip("-") or f"issue-{number}"
    taken = set(
        Issue.objects.filter(slug__startswith=base[: limit - 12]).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = base[: limit - len(suffix)].rstrip("-") + suffix, n + 1
    return slug


def create_issue(parsed: ParsedIssue, *, by, number: int | None = None) -> Issue:
    """Save `parsed` as one draft issue created by `by`, with issue number `number` or the next.

    Everything is saved in one transaction, or nothing is (IssueImportError says why).
    """
    if number is not None and not 1 <= number <= MAX_NUMBER:
        raise IssueImportError(
            f"{number} is not an issue number: numbers start at 1.", field="number"
        )
    try:
        with transaction.atomic():
            if number is None:
                number = Issue.next_number()
            elif Issue.objects.filter(number=number).exists():
                taken = Issue.objects.get(number=number)
                raise IssueImportError(
                    f"Issue number {number} is taken, by “{taken.title}”: choose another number "
                    f"or leave it empty for the next free one ({Issue.next_number()}).",
                    field="number",
                )
            issue = Issue.objects.create(
                number=number,
                title=parsed.title,
                slug=unique_slug(parsed.title, number),
                summary=parsed.summary,
                created_by=by,
                updated_by=by,
            )
            for position, part in enumerate(parsed.sections, start=1):
                section = Section.objects.create(
                    issue=issue, title=part.title, intro=part.intro, position=position
                )
                # One count over the section's entries, so the written order survives in
                # the positions even when items and papers alternate.
                numbered = list(enumerate(part.entries, start=1))
                Item.objects.bulk_create(
                    Item(section=section, position=n, **_values(entry))
                    for n, entry in numbered
                    if isinstance(entry, ParsedItem)
                )
                Paper.objects.bulk_create(
                    Paper(section=section, position=n, **_values(entry))
                    for n, entry in numbered
                    if isinstance(entry, ParsedPaper)
                )
    except IntegrityError:
        # Someone saved an issue with this number or slug between the check and the save.
        raise IssueImportError(
            f"Issue number {number} or its address was taken while importing, so nothing was "
            "saved: try again.",
            field="number",
        ) from None
    return issue


def outline(parsed: ParsedIssue) -> list[str]:
    """One line per section: its title and what it holds."""
    return [
        f"{section.title}: {counted(len(section.items), 'item')}, "
        f"{counted(len(section.papers), 'paper')}"
        for section in parsed.sections
    ]


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
