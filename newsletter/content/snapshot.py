"""The snapshot: the frozen, rendered form of one issue, which every view of it renders.

`newsletter.content.build.build_snapshot(issue)` makes one from the working copy; a
Revision stores it as JSON (`to_json()`) and reads it back with `Snapshot.from_json()`,
which checks the schema version and the shape, so every reader can rely on every field
below being there. Templates read the attributes; what several readers need to know of a
snapshot (its entries, its words, which rendition of a picture to show) is a method here,
written once.

Markdown is already rendered to sanitised HTML in the `*_html` fields; the rest is plain
text, escaped by whoever renders it.

Stored schema versions: 1, and 2 (the current one: every picture also lists its
`email_renditions`, JPEG or PNG, for mail clients that show no WebP). A change of shape
bumps `SCHEMA` and adds a reader for the old version to `_UPGRADES`, so revisions frozen
before keep loading; a snapshot of each old version is kept under
tests/newsletter/content/stored_snapshots/.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Literal

from django.urls import reverse

from newsletter.content.text import plain_text, word_count

SCHEMA = 2
WORDS_PER_MINUTE = 230
SRC_WIDTH = 960  # the `src` of a picture: sharp at the page's column width on most screens
SOCIAL_WIDTH = 1600  # the picture link previews show


def issue_path(number: int, slug: str) -> str:
    """The public address of issue `number`: made of what a revision froze, spelled out once."""
    return reverse("newsletter:issue-detail", kwargs={"number": number, "slug": slug})


class SnapshotError(ValueError):
    """A stored snapshot that this code cannot read: unknown schema or missing fields."""


def _require(data: Any, key: str, where: str) -> Any:
    if not isinstance(data, dict):
        raise SnapshotError(f"{where} is not an object.")
    if key not in data:
        raise SnapshotError(f"{where} has no “{key}”.")
    return data[key]


def _text(data: dict, key: str) -> str:
    return str(data.get(key) or "")


def _json(value: Any) -> Any:
    """A part of a snapshot as JSON: the field names are the keys, in every schema so far."""
    if is_dataclass(value):
        return {f.name: _json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class Rendition:
    url: str
    width: int
    height: int


def narrowest(renditions, *, at_least: int = 0) -> Rendition | None:
    """The narrowest of `renditions` at least `at_least` pixels wide, or None."""
    wide_enough = [r for r in renditions if r.width >= at_least]
    return min(wide_enough, key=lambda r: r.width) if wide_enough else None


def _renditions(data: list | None) -> tuple[Rendition, ...]:
    return tuple(
        Rendition(url=r["url"], width=int(r["width"]), height=int(r["height"])) for r in data or []
    )


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A picture as a revision shows it: the original, its renditions, the words around it."""

    id: int | None
    url: str
    width: int
    height: int
    alt: str
    caption: str
    credit: str
    credit_url: str
    renditions: tuple[Rendition, ...]  # WebP, narrowest first
    srcset: str
    # JPEG (PNG where the picture has transparency), narrowest first: what emails show.
    # Empty in revisions frozen before schema 2 (the email edition then falls back).
    email_renditions: tuple[Rendition, ...] = ()

    @classmethod
    def from_json(cls, data: dict | None, where: str = "image") -> "ImageRef | None":
        if not data:
            return None
        renditions = _renditions(data.get("renditions"))
        return cls(
            id=data.get("id"),
            url=_require(data, "url", where),
            width=int(_require(data, "width", where)),
            height=int(_require(data, "height", where)),
            alt=_text(data, "alt"),
            caption=_text(data, "caption"),
            credit=_text(data, "credit"),
            credit_url=_text(data, "credit_url"),
            renditions=renditions,
            srcset=data.get("srcset") or ", ".join(f"{r.url} {r.width}w" for r in renditions),
            email_renditions=_renditions(data.get("email_renditions")),
        )

    @property
    def original(self) -> Rendition:
        return Rendition(url=self.url, width=self.width, height=self.height)

    def url_at_least(self, width: int) -> str:
        """The narrowest rendition at least `width` wide, else the original."""
        chosen = narrowest(self.renditions, at_least=width)
        return chosen.url if chosen else self.url

    @property
    def src(self) -> str:
        """The `src` beside `srcset`, for browsers that ignore srcset."""
        return self.url_at_least(SRC_WIDTH)

    @property
    def thumbnail(self) -> Rendition:
        """The smallest rendition, else the original."""
        return narrowest(self.renditions) or self.original

    @property
    def social(self) -> Rendition:
        """The picture link previews show: 1600 px wide, else the widest there is."""
        chosen = narrowest(self.renditions, at_least=SOCIAL_WIDTH)
        if chosen is None and self.renditions:
            chosen = max(self.renditions, key=lambda r: r.width)
        return chosen or self.original


@dataclass(frozen=True, slots=True)
class ItemEntry:
    """A linked article with commentary."""

    id: int | None
    anchor: str
    title: str
    url: str
    source: str
    body_html: str
    image: ImageRef | None
    kind: Literal["item"] = "item"

    @classmethod
    def from_json(cls, data: dict, where: str) -> "ItemEntry":
        return cls(
            id=data.get("id"),
            anchor=_require(data, "anchor", where),
            title=_require(data, "title", where),
            url=_text(data, "url"),
            source=_text(data, "source"),
            body_html=_text(data, "body_html"),
            image=ImageRef.from_json(data.get("image"), f"{where}, image"),
        )

    @property
    def text_html(self) -> str:
        """The commentary."""
        return self.body_html

    @property
    def byline(self) -> str:
        return self.source

    @property
    def link(self) -> str:
        return self.url


_ARXIV_VERSION = re.compile(r"v\d+$")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class PaperCard:
    """What the papers index shows of a paper: its title, authors and links.

    The one list of these fields: a `PaperEntry` is a card with its place and commentary,
    the papers index reads cards back from the search rows, and the API's paper entry
    schema is made from these fields.
    """

    title: str
    authors: str
    arxiv_id: str
    arxiv_url: str
    paper_url: str
    code_url: str
    demo_url: str

    def card_fields(self) -> dict[str, str]:
        """The card's fields by name (of a `PaperEntry` too: its card's part)."""
        return {f.name: getattr(self, f.name) for f in fields(PaperCard)}


@dataclass(frozen=True, slots=True)
class PaperEntry(PaperCard):
    """A research paper and why it matters."""

    id: int | None
    anchor: str
    summary_html: str
    image: ImageRef | None
    kind: Literal["paper"] = "paper"

    @classmethod
    def from_json(cls, data: dict, where: str) -> "PaperEntry":
        return cls(
            id=data.get("id"),
            anchor=_require(data, "anchor", where),
            title=_require(data, "title", where),
            authors=_text(data, "authors"),
            arxiv_id=_text(data, "arxiv_id"),
            arxiv_url=_text(data, "arxiv_url"),
            paper_url=_text(data, "paper_url"),
            code_url=_text(data, "code_url"),
            demo_url=_text(data, "demo_url"),
            summary_html=_text(data, "summary_html"),
            image=ImageRef.from_json(data.get("image"), f"{where}, image"),
        )

    @property
    def text_html(self) -> str:
        """Why it matters."""
        return self.summary_html

    @property
    def byline(self) -> str:
        return self.authors

    @property
    def link(self) -> str:
        return self.paper_url or self.arxiv_url

    @property
    def key(self) -> str:
        """One paper however it was written down: its arXiv id without version, else its title."""
        arxiv_id = self.arxiv_id.strip().lower()
        if arxiv_id:
            return "arxiv:" + _ARXIV_VERSION.sub("", arxiv_id)
        return "title:" + " ".join(_NOT_WORD.sub(" ", self.title.casefold()).split())


Entry = ItemEntry | PaperEntry
_ENTRY_KINDS: dict[str, type] = {"item": ItemEntry, "paper": PaperEntry}


@dataclass(frozen=True, slots=True)
class SectionPart:
    id: int | None
    anchor: str
    title: str
    intro_html: str
    entries: tuple[Entry, ...]

    @classmethod
    def from_json(cls, data: dict, where: str) -> "SectionPart":
        entries = []
        for n, entry in enumerate(_require(data, "entries", where), start=1):
            kind = _require(entry, "kind", f"{where}, entry {n}")
            if kind not in _ENTRY_KINDS:
                raise SnapshotError(f"{where}, entry {n} is of unknown kind “{kind}”.")
            entries.append(_ENTRY_KINDS[kind].from_json(entry, f"{where}, entry {n}"))
        return cls(
            id=data.get("id"),
            anchor=_require(data, "anchor", where),
            title=_require(data, "title", where),
            intro_html=_text(data, "intro_html"),
            entries=tuple(entries),
        )


@dataclass(frozen=True, slots=True)
class IssuePart:
    """The issue's own fields: all that lists of issues (archive, feeds' heads) need."""

    id: int | None
    number: int
    title: str
    slug: str
    summary_html: str
    hero_image: ImageRef | None

    @classmethod
    def from_json(cls, data: dict, where: str = "issue") -> "IssuePart":
        return cls(
            id=data.get("id") if isinstance(data, dict) else None,
            number=int(_require(data, "number", where)),
            title=_require(data, "title", where),
            slug=_require(data, "slug", where),
            summary_html=_text(data, "summary_html"),
            hero_image=ImageRef.from_json(data.get("hero_image"), f"{where}, hero image"),
        )

    @property
    def summary_text(self) -> str:
        return plain_text(self.summary_html)

    def get_absolute_url(self) -> str:
        return issue_path(self.number, self.slug)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One issue, frozen: its own fields, then its sections in order, each with its entries."""

    issue: IssuePart
    sections: tuple[SectionPart, ...]
    image_ids: tuple[int, ...]  # every Image it shows, markdown pictures included
    schema: int = SCHEMA

    # Reading and writing

    @classmethod
    def from_json(cls, data: dict) -> "Snapshot":
        """Read a stored snapshot of any known schema version; SnapshotError otherwise."""
        if isinstance(data, Snapshot):
            return data
        version = _require(data, "schema", "The snapshot")
        while version != SCHEMA:
            upgrade = _UPGRADES.get(version)
            if upgrade is None:
                raise SnapshotError(f"Snapshot schema {version!r} is not one this code reads.")
            data = upgrade(data)
            version = data["schema"]
        sections = _require(data, "sections", "The snapshot")
        return cls(
            issue=IssuePart.from_json(_require(data, "issue", "The snapshot")),
            sections=tuple(
                SectionPart.from_json(section, f"Section {n}")
                for n, section in enumerate(sections, start=1)
            ),
            image_ids=tuple(int(pk) for pk in data.get("image_ids") or ()),
        )

    def to_json(self) -> dict:
        """The JSON a Revision stores: every field under its own name, nested alike."""
        return _json(self)

    # Walking

    def entries(self) -> Iterator[tuple[SectionPart, Entry]]:
        """Every entry in page order, with its section."""
        for section in self.sections:
            for entry in section.entries:
                yield section, entry

    def papers(self) -> list[PaperEntry]:
        return [entry for _, entry in self.entries() if entry.kind == "paper"]

    def html_fragments(self) -> list[str]:
        """Every rendered markdown field: the summary, section intros, entries' text."""
        fragments = [self.issue.summary_html]
        for section in self.sections:
            fragments.append(section.intro_html)
            fragments.extend(entry.text_html for entry in section.entries)
        return fragments

    # What readers get

    @property
    def word_count(self) -> int:
        """How many words a reader reads: titles, summary, intros, commentary and bylines."""
        texts = [self.issue.title, plain_text(self.issue.summary_html)]
        for section in self.sections:
            texts += [section.title, plain_text(section.intro_html)]
            for entry in section.entries:
                texts += [entry.title, entry.byline, plain_text(entry.text_html)]
        return word_count(*texts)

    @property
    def reading_minutes(self) -> int:
        """Minutes to read the issue at 230 words a minute, rounded up, at least one."""
        return max(1, -(-self.word_count // WORDS_PER_MINUTE))

    @property
    def first_image_anchor(self) -> str:
        """Which picture comes first on the page ("hero" or an entry's anchor): not lazy."""
        if self.issue.hero_image:
            return "hero"
        for _, entry in self.entries():
            if entry.image:
                return entry.anchor
        return ""


# Readers of older schema versions, each returning the next version's JSON.


def _from_schema_1(data: dict) -> dict:
    """Schema 1 had no email renditions: its pictures list none."""

    def picture(image: dict | None) -> dict | None:
        return {**image, "email_renditions": []} if image else image

    issue = dict(_require(data, "issue", "The snapshot"))
    issue["hero_image"] = picture(issue.get("hero_image"))
    sections = [
        {
            **section,
            "entries": [
                {**entry, "image": picture(entry.get("image"))}
                for entry in section.get("entries") or []
            ],
        }
        for section in _require(data, "sections", "The snapshot")
    ]
    return {**data, "schema": 2, "issue": issue, "sections": sections}


_UPGRADES: dict[int, Any] = {1: _from_schema_1}
