"""Preflight: what needs attention in an issue before it goes to review.

`check(issue)` reads the working copy and returns findings, each an error or a warning
with a stable `code`:

errors (submit is refused while any is there, whoever submits: `submit_refusal`)
- a picture without real alternative text (empty, a file name, "image", "photo"…),
  the hero, an entry's picture or one placed in a text;
- placeholder text: TK, TODO, TBD, FIXME, XXX, lorem ipsum;

warnings (an editor can acknowledge each; it then shows as acknowledged)
- an empty section; an entry without commentary;
- the same link or paper twice in the issue (sometimes meant: a paper and a post on it);
- a link that failed to load at its last check (`LinkCheck`, checked in the background
  with the safe fetcher: `curation.tasks.check_issue_links`);
- a link or paper featured before in a live issue.
"""

import re
from dataclasses import dataclass

from curation.featured import entry_keys, featured_for_many
from curation.models import LinkCheck, PreflightAcknowledgement
from newsletter.models import Issue

ERROR, WARNING = "error", "warning"
PLACEHOLDERS = re.compile(r"\b(?:TK|TKTK|TODO|TBD|FIXME|XXX)\b|\blorem\s+ipsum\b|\blorem\b", re.I)
_UPPER_ONLY = {"tk", "tktk", "tbd", "xxx"}  # as words in lower case these are ordinary
_MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)")
# Pictures the sanitiser keeps: http(s) or relative addresses (data:, javascript: are dropped).
_RENDERED_SRC = re.compile(r"^(?:https?:|/|\.|[^:]*$)", re.I)
_FILE_NAME = re.compile(r"^[\w\- .]+\.(?:png|jpe?g|gif|webp|avif|svg|heic|bmp|tiff?)$", re.I)
_GENERIC_ALT = {
    "", "image", "img", "picture", "pic", "photo", "photograph", "screenshot", "screen shot",
    "figure", "fig", "graphic", "alt", "alt text", "untitled", "placeholder", "banner",
    "thumbnail", "logo", "icon", "todo", "tk", "image1", "image 1",
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    level: str
    code: str
    message: str
    acknowledged_by: str = ""

    @property
    def is_error(self) -> bool:
        return self.level == ERROR


def real_alt_text(alt: str) -> bool:
    text = " ".join((alt or "").split())
    if text.lower().strip(".") in _GENERIC_ALT or _FILE_NAME.match(text):
        return False
    return len(text) >= 3


def placeholders_in(text: str) -> list[str]:
    found = []
    for match in PLACEHOLDERS.finditer(text or ""):
        word = match[0]
        if word.lower() in _UPPER_ONLY and word != word.upper():
            continue
        if word.lower() == "todo" and word != "TODO":
            continue
        found.append(word)
    return found


def _entries(issue: Issue):
    sections = list(issue.sections.prefetch_related("items__image", "papers__image"))
    for section in sections:
        entries = sorted(
            [*section.items.all(), *section.papers.all()], key=lambda entry: entry.position
        )
        yield section, entries


def _entry_text(entry) -> dict[str, str]:
    if entry.__class__.__name__ == "Paper":
        return {"title": entry.title, "authors": entry.authors, "summary": entry.summary}
    return {"title": entry.title, "source": entry.source, "body": entry.body}


def _name(section, entry=None) -> str:
    if entry is None:
        return f"section “{section.title}”"
    kind = "paper" if entry.__class__.__name__ == "Paper" else "item"
    return f"{kind} “{entry.title or '(untitled)'}” in {section.title}"


def check(issue: Issue, *, warnings: bool = True) -> list[Finding]:
    """The findings for `issue`; with `warnings=False` its errors only, without the queries
    that only warnings need (links that failed, featured before, acknowledgements)."""
    findings: list[Finding] = []

    def add(level, code, message):
        findings.append(Finding(level, code, message))

    def texts(where: str, fields: dict[str, str], code: str):
        for field, text in fields.items():
            for alt, src in _MARKDOWN_IMAGE.findall(text or ""):
                if _RENDERED_SRC.match(src) and not real_alt_text(alt):
                    add(ERROR, f"alt:{code}:{field}",
                        f"A picture in the {field} of {where} has no real alt text "
                        f"(“{alt[:40]}”): say what it shows.")  # fmt: skip
            words = placeholders_in(text)
            if words:
                add(ERROR, f"placeholder:{code}:{field}",
                    f"Placeholder text in the {field} of {where}: "
                    f"{', '.join(dict.fromkeys(words))}.")  # fmt: skip

    def picture(image, where: str, code: str):
        if image is not None and not real_alt_text(image.alt_text):
            add(ERROR, f"alt:{code}:picture",
                f"The picture of {where} has no real alt text (“{image.alt_text[:40]}”): "
                "say what it shows.")  # fmt: skip

    texts("the issue", {"title": issue.title, "summary": issue.summary}, "issue")
    picture(issue.hero_image, "the issue (hero)", "issue")
    keys_by_entry, seen = {}, {}
    for section, entries in _entries(issue):
        texts(_name(section), {"title": section.title, "intro": section.intro},
              f"section:{section.pk}")  # fmt: skip
        if warnings and not entries:
            add(WARNING, f"empty-section:{section.pk}",
                f"The {_name(section)} has no entries yet.")  # fmt: skip
        for entry in entries:
            kind = entry.__class__.__name__.lower()
            code = f"{kind}:{entry.pk}"
            where = _name(section, entry)
            fields = _entry_text(entry)
            texts(where, fields, code)
            picture(entry.image, where, code)
            if not warnings:
                continue
            commentary = entry.summary if kind == "paper" else entry.body
            if not commentary.strip():
                add(WARNING, f"no-commentary:{code}",
                    f"The {where} has no commentary yet.")  # fmt: skip
            keys = entry_keys(entry)
            keys_by_entry[(code, where)] = set(keys)
            for key in keys:
                if key in seen and seen[key] != where:
                    add(WARNING, f"duplicate:{key}",
                        f"The same link is in the issue twice: the {seen[key]} "
                        f"and the {where}.")  # fmt: skip
                seen.setdefault(key, where)
    if not warnings:
        return _unique(findings)
    every_key = set().union(*keys_by_entry.values()) if keys_by_entry else set()
    checks = {row.key: row for row in LinkCheck.objects.filter(key__in=every_key, ok=False)}
    for (_code, where), keys in keys_by_entry.items():
        for key in keys:
            if key in checks:
                add(WARNING, f"link-fails:{key}",
                    f"The link of the {where} did not load when checked: "
                    f"{checks[key].message}")  # fmt: skip
    featured = featured_for_many(
        {name: keys for name, keys in keys_by_entry.items()}, exclude_issue=issue.pk
    )
    for (code, where), appearances in featured.items():
        if appearances:
            places = "; ".join(str(a) for a in appearances)
            add(WARNING, f"featured:{code}", f"The {where} was featured before: {places}.")
    return _with_acknowledgements(issue, _unique(findings))


def _unique(findings):
    seen, unique = set(), []
    for finding in findings:
        if finding.code not in seen:
            seen.add(finding.code)
            unique.append(finding)
    return unique


def _with_acknowledgements(issue, findings):
    acknowledged = {
        ack.code: ack
        for ack in PreflightAcknowledgement.objects.filter(issue=issue).select_related("by")
    }
    result = []
    for finding in findings:
        ack = acknowledged.get(finding.code)
        if ack is not None and not finding.is_error:
            who = ack.by.get_username() if ack.by else "someone"
            finding = Finding(finding.level, finding.code, finding.message, acknowledged_by=who)
        result.append(finding)
    return result


def submit_refusal(issue: Issue) -> str | None:
    """Why `issue` cannot be submitted for review, or None: its preflight errors."""
    errors = [finding for finding in check(issue, warnings=False) if finding.is_error]
    if not errors:
        return None
    listed = " ".join(f"{n}. {finding.message}" for n, finding in enumerate(errors[:5], start=1))
    more = f" And {len(errors) - 5} more." if len(errors) > 5 else ""
    return (
        f"Issue #{issue.number} is not ready for review: preflight found "
        f"{len(errors)} problem{'s' if len(errors) != 1 else ''}. {listed}{more}"
    )


def acknowledge(issue: Issue, code: str, *, by) -> bool:
    """Accept a warning for this issue; False when there is no such warning now."""
    if not any(f.code == code and not f.is_error for f in check(issue)):
        return False
    PreflightAcknowledgement.objects.get_or_create(
        issue=issue, code=code[:300], defaults={"by": by}
    )
    return True
