"""What changed between two snapshots, for people: sections, entries and words.

Entries are matched by kind and id (the working copy's ids survive from revision to
revision), then by title for those left over, so an item deleted and typed in again
still reads as "changed" rather than "removed" and "added". HTML fields are compared as
their text: readers see words, not tags.
"""

import difflib
import html
import re
from dataclasses import dataclass, field
from os.path import basename

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from newsletter.content.snapshot import Entry, ImageRef, IssuePart, SectionPart, Snapshot
from newsletter.content.text import plain_text

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
_HREF = re.compile(r'href="([^"]*)"')


def diff_words(old_text: str, new_text: str) -> SafeString:
    """`new_text`, with removed words in <del> and added words in <ins>; all text escaped."""
    old, new = (old_text or "").split(), (new_text or "").split()
    parts = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(' '.join(old[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(' '.join(new[j1:j2]))}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308 - every piece of text is escaped above


def html_links(fragment: str) -> str:
    return " ".join(html.unescape(href) for href in _HREF.findall(fragment or ""))


# The result ----------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: str
    new: str

    @property
    def html(self) -> SafeString:
        return diff_words(self.old, self.new)


@dataclass
class EntryChange:
    status: str  # ADDED, REMOVED, CHANGED or UNCHANGED (then `moved` says how)
    kind: str  # "item" or "paper"
    title: str
    fields: list[FieldChange] = field(default_factory=list)
    moved: str = ""  # e.g. "from “My work” to “From the internet”", "up" or "down"

    @property
    def kind_label(self) -> str:
        return "Paper" if self.kind == "paper" else "Item"


@dataclass
class SectionChange:
    status: str  # ADDED, REMOVED, CHANGED or UNCHANGED
    title: str
    old_title: str = ""  # set when the section was renamed
    moved: bool = False
    fields: list[FieldChange] = field(default_factory=list)
    entries: list[EntryChange] = field(default_factory=list)

    @property
    def renamed(self) -> bool:
        return bool(self.old_title) and self.old_title != self.title


@dataclass
class SnapshotDiff:
    """The issue's own fields, then one SectionChange per section of either snapshot."""

    issue_fields: list[FieldChange]
    sections: list[SectionChange]

    @property
    def has_changes(self) -> bool:
        return bool(self.issue_fields) or any(
            s.status != UNCHANGED or s.moved or s.renamed for s in self.sections
        )

    def __iter__(self):
        return iter(self.sections)


# Comparing -----------------------------------------------------------------------------


def _image_fields(image: ImageRef | None) -> dict[str, str]:
    if image is None:
        return {"Picture": "", "Picture alt text": "", "Picture caption": "", "Picture credit": ""}
    return {
        "Picture": basename(image.url),
        "Picture alt text": image.alt,
        "Picture caption": image.caption,
        "Picture credit": image.credit,
    }


def _issue_fields(issue: IssuePart) -> dict[str, str]:
    return {
        "Title": issue.title,
        "Number": str(issue.number),
        "Slug": issue.slug,
        "Summary": plain_text(issue.summary_html),
        "Links in the summary": html_links(issue.summary_html),
        **{f"Hero {k.lower()}": v for k, v in _image_fields(issue.hero_image).items()},
    }


def _section_fields(section: SectionPart) -> dict[str, str]:
    return {
        "Introduction": plain_text(section.intro_html),
        "Links in the introduction": html_links(section.intro_html),
    }


def _entry_fields(entry: Entry) -> dict[str, str]:
    if entry.kind == "paper":
        fields = {
            "Title": entry.title,
            "Authors": entry.authors,
            "arXiv id": entry.arxiv_id,
            "Paper link": entry.paper_url,
            "Code link": entry.code_url,
            "Demo link": entry.demo_url,
            "Why it matters": plain_text(entry.summary_html),
            "Links in the text": html_links(entry.summary_html),
        }
    else:
        fields = {
            "Title": entry.title,
            "Link": entry.url,
            "Source": entry.source,
            "Commentary": plain_text(entry.body_html),
            "Links in the text": html_links(entry.body_html),
        }
    return {**fields, **_image_fields(entry.image)}


def _changes(old: dict[str, str] | None, new: dict[str, str] | None) -> list[FieldChange]:
    """Fields whose text differs; a side that is missing counts as empty."""
    old, new = old or {}, new or {}
    labels = list(dict.fromkeys([*old, *new]))
    return [
        FieldChange(label, old.get(label, ""), new.get(label, ""))
        for label in labels
        if old.get(label, "") != new.get(label, "")
    ]


def _match(old: list, new: list, key, title) -> dict[int, int]:
    """Pair old and new positions: by key first, then by title among those left."""
    pairs: dict[int, int] = {}
    old_by_key = {key(o): i for i, o in enumerate(old)}
    for j, n in enumerate(new):
        i = old_by_key.get(key(n))
        if i is not None and i not in pairs:
            pairs[i] = j
    taken = set(pairs.values())
    old_by_title: dict[str, list[int]] = {}
    for i, o in enumerate(old):
        if i not in pairs:
            old_by_title.setdefault(title(o), []).append(i)
    for j, n in enumerate(new):
        if j not in taken and old_by_title.get(title(n)):
            pairs[old_by_title[title(n)].pop(0)] = j
    return pairs


def _reordered(pairs: list[tuple[int, int]]) -> set[int]:
    """Old positions of the pairs that moved: those outside a longest run kept in order."""
    if not pairs:
        return set()
    by_old = sorted(pairs)
    new_order = [j for _, j in by_old]
    matcher = difflib.SequenceMatcher(None, new_order, sorted(new_order), autojunk=False)
    kept = {new_order[a + k] for a, _, size in matcher.get_matching_blocks() for k in range(size)}
    return {i for i, j in by_old if j not in kept}


def _entry_key(entry: Entry):
    return (entry.kind, entry.id)


def _entry_title(entry: Entry):
    return (entry.kind, entry.title.strip().casefold())


def _flatten(sections) -> list[tuple[int, Entry]]:
    return [(s, entry) for s, section in enumerate(sections) for entry in section.entries]


def diff_snapshots(old: Snapshot | None, new: Snapshot) -> SnapshotDiff:
    """Compare two snapshots; with no `old`, everything in `new` is added."""
    old_sections, new_sections = (old.sections if old else ()), new.sections

    section_pairs = _match(
        old_sections,
        new_sections,
        key=lambda s: s.id,
        title=lambda s: s.title.strip().casefold(),
    )
    section_of_new = {j: i for i, j in section_pairs.items()}
    moved_sections = _reordered(list(section_pairs.items()))

    # Entries may move between sections, so they are matched across the whole issue.
    old_entries, new_entries = _flatten(old_sections), _flatten(new_sections)
    entry_pairs = _match(
        [e for _, e in old_entries], [e for _, e in new_entries], _entry_key, _entry_title
    )
    entry_of_new = {j: i for i, j in entry_pairs.items()}
    # Within a section, an entry moved if it left the longest run kept in order.
    stayed: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, j in entry_pairs.items():
        old_s, new_s = old_entries[i][0], new_entries[j][0]
        if section_pairs.get(old_s) == new_s:
            stayed.setdefault((old_s, new_s), []).append((i, j))
    reordered = set().union(*(_reordered(p) for p in stayed.values())) if stayed else set()

    result_sections = []
    for j, section in enumerate(new_sections):
        i = section_of_new.get(j)
        before = old_sections[i] if i is not None else None
        change = SectionChange(
            status=ADDED if before is None else UNCHANGED,
            title=section.title,
            old_title=before.title if before else "",
            moved=i in moved_sections,
            fields=_changes(before and _section_fields(before), _section_fields(section)),
        )
        for k, (s, entry) in enumerate(new_entries):
            if s != j:
                continue
            old_k = entry_of_new.get(k)
            change.entries.append(
                _entry_change(
                    entry,
                    None if old_k is None else old_entries[old_k],
                    old_sections,
                    old_k in reordered,
                    same_section=old_k is not None
                    and section_pairs.get(old_entries[old_k][0]) == j,
                )
            )
        if before is not None and (
            change.fields
            or change.renamed
            or any(e.status != UNCHANGED or e.moved for e in change.entries)
        ):
            change.status = CHANGED
        result_sections.append(change)

    # What was removed: sections at the end, entries where they used to be.
    removed = {
        i: SectionChange(status=REMOVED, title=section.title)
        for i, section in enumerate(old_sections)
        if i not in section_pairs
    }
    for i, (s, entry) in enumerate(old_entries):
        if i not in entry_pairs:
            home = result_sections[section_pairs[s]] if s in section_pairs else removed[s]
            home.entries.append(EntryChange(REMOVED, entry.kind, entry.title))
            if home.status == UNCHANGED:
                home.status = CHANGED
    result_sections.extend(removed.values())

    issue_fields = _changes(_issue_fields(old.issue) if old else None, _issue_fields(new.issue))
    return SnapshotDiff(issue_fields, result_sections)


def _entry_change(
    entry: Entry, before: tuple[int, Entry] | None, old_sections, reordered: bool, *, same_section
) -> EntryChange:
    kind, title = entry.kind, entry.title
    if before is None:  # every field it has, as added: the reviewer reads it all
        return EntryChange(ADDED, kind, title, _changes(None, _entry_fields(entry)))
    old_s, old_entry = before
    fields = _changes(_entry_fields(old_entry), _entry_fields(entry))
    moved = ""
    if not same_section:
        moved = f"from “{old_sections[old_s].title}”"
    elif reordered:
        moved = "within the section"
    return EntryChange(CHANGED if fields else UNCHANGED, kind, title, fields, moved)
