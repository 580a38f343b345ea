"""Featured before: where a link or a paper already appeared in a live issue.

Every frozen revision's links and papers are written to `FeaturedLink` rows in the
transaction that froze it (`index_revision`, on `newsletter.signals.revision_frozen`),
keyed by `link_key` (a paper by its arXiv id, else its link). `featured_before(keys)`
reads the rows of the revisions live now, so an unpublished issue stops counting; keys
are widened by the aliases recorded when fetching (redirects, canonical addresses).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone

from curation.models import FeaturedLink, LinkAlias
from curation.urls_normalisation import arxiv_key, link_key
from newsletter.content.snapshot import Snapshot, issue_path
from newsletter.models import Revision, first_published


def entry_keys(entry) -> list[str]:
    """The keys one snapshot entry (or a working-copy Item or Paper) is known by."""
    keys = []
    if getattr(entry, "arxiv_id", ""):
        keys.append(arxiv_key(entry.arxiv_id))
    for name in ("url", "paper_url"):
        if value := getattr(entry, name, ""):
            keys.append(link_key(value))
    return list(dict.fromkeys(key for key in keys if key))


def rows_for(snapshot: Snapshot, revision_id: int, issue_number: int) -> list[dict]:
    rows = []
    for section, entry in snapshot.entries():
        for key in entry_keys(entry):
            rows.append(
                {
                    "revision_id": revision_id,
                    "key": key[:1000],
                    "url": (getattr(entry, "url", "") or getattr(entry, "paper_url", "") or "")[
                        :1000
                    ],
                    "kind": entry.kind,
                    "issue_number": issue_number,
                    "section_title": section.title[:200],
                    "entry_title": entry.title[:500],
                    "anchor": entry.anchor[:200],
                }
            )
    return rows


def index_revision(revision: Revision) -> None:
    FeaturedLink.objects.filter(revision=revision).delete()
    FeaturedLink.objects.bulk_create(
        FeaturedLink(**row)
        for row in rows_for(revision.content, revision.pk, revision.issue_number)
    )


def on_revision_frozen(sender, revision, **kwargs):
    index_revision(revision)


def alias_map(keys) -> dict[str, set[str]]:
    """Each of `keys` with the keys recorded as naming the same page (one query)."""
    keys = {key for key in keys if key}
    found = {key: {key} for key in keys}
    if keys:
        aliases = LinkAlias.objects.filter(Q(key__in=keys) | Q(alias__in=keys))
        for key, alias in aliases.values_list("key", "alias"):
            for one in (key, alias):
                if one in found:
                    found[one] |= {key, alias}
    return found


def with_aliases(keys) -> set[str]:
    return set().union(*alias_map(keys).values())


def record_aliases(url: str, *others: str) -> None:
    """`url` and each of `others` name the same page."""
    key = link_key(url)
    for other in others:
        alias = link_key(other)
        if key and alias and alias != key:
            LinkAlias.objects.get_or_create(key=key[:1000], alias=alias[:1000])


@dataclass(frozen=True)
class Appearance:
    key: str
    issue_number: int
    section_title: str
    entry_title: str
    published: datetime | None
    url: str  # where it is on the public site

    def __str__(self):
        when = f", {self.published:%d %b %Y}" if self.published else ""
        return f"#{self.issue_number}, {self.section_title}{when}"


def featured_before(keys, *, exclude_issue=None, at=None) -> list[Appearance]:
    """Where any of `keys` (or their aliases) appeared in an issue live now, newest first."""
    return _unique(_appearances(with_aliases(keys), exclude_issue, at))


def _appearances(wanted, exclude_issue, at) -> list[Appearance]:
    if not wanted:
        return []
    at = at or timezone.now()
    live = Revision.objects.live(at=at)
    if exclude_issue is not None:
        live = live.exclude(issue=exclude_issue)
    rows = (
        FeaturedLink.objects.filter(key__in=wanted, revision__in=live)
        .annotate(
            # Only the slug of the snapshot, for the address: not the whole document, parsed.
            slug=KeyTextTransform("slug", KeyTransform("issue", "revision__snapshot")),
            # The issue's first publication: a correction published later keeps the date.
            published=first_published(OuterRef("revision__issue"), at),
        )
        .values_list(
            "key",
            "issue_number",
            "section_title",
            "entry_title",
            "anchor",
            "slug",
            "published",
            "revision__issue_number",
            named=True,
        )  # fmt: skip
        .order_by("-issue_number", "id")
    )
    return [
        Appearance(
            key=row.key,
            issue_number=row.issue_number,
            section_title=row.section_title,
            entry_title=row.entry_title,
            published=row.published,
            url=f"{issue_path(row.revision__issue_number, row.slug)}#{row.anchor}",
        )
        for row in rows
    ]


def _unique(appearances) -> list[Appearance]:
    """One appearance per entry of an issue, however many of its keys matched."""
    seen, unique = set(), []
    for appearance in appearances:
        if (appearance.issue_number, appearance.url) not in seen:
            seen.add((appearance.issue_number, appearance.url))
            unique.append(appearance)
    return unique


def featured_for_many(keys_by_name: dict, *, exclude_issue=None) -> dict:
    """`featured_before` for several entries at once (two queries): name → appearances."""
    aliases = alias_map(set().union(*keys_by_name.values()) if keys_by_name else set())
    appearances = _appearances(set().union(*aliases.values()), exclude_issue, None)
    result = {}
    for name, keys in keys_by_name.items():
        wanted = set().union(*(aliases.get(key, {key}) for key in keys)) if keys else set()
        result[name] = _unique(a for a in appearances if a.key in wanted)
    return result
