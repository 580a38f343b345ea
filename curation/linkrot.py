"""Link rot in the archive: recheck the links of live issues, suggest archived copies.

`run(budget=…)` rechecks, oldest check first, the links of every live revision (from the
featured-before index) not checked for `LINKROT_RECHECK_AFTER_HOURS`, politely: each host
at most once per `LINKROT_HOST_INTERVAL` seconds across every process, and the run stops
at its time budget (`LINKROT_TIME_BUDGET` seconds); what is left waits for the next run.
For a link that fails, the Internet Archive's availability API (`WAYBACK_API_URL`) is
asked for the snapshot closest before it started failing.

`apply_correction(check, by=…)` puts that snapshot's address in place of the dead link
in the working copy of each draft issue that has it; the editor then submits the
correction like any other change.

Runs come from `manage.py check_link_rot` (cron) or the task `recheck_live_links`,
which queues its own next run when the task backend can defer (see README).
"""

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from curation.featured import with_aliases
from curation.fetcher import FetchError, fetch
from curation.link_checks import check_link
from curation.models import FeaturedLink, LinkCheck
from curation.urls_normalisation import link_key
from newsletter.models import Issue, Item, Paper, Revision


@dataclass
class RunReport:
    checked: int = 0
    failing: int = 0
    left_for_later: int = 0
    suggested: int = 0
    failed_urls: list[str] = field(default_factory=list)

    def __str__(self):
        return (
            f"Checked {self.checked} links: {self.failing} failing, {self.suggested} archived "
            f"copies suggested, {self.left_for_later} left for the next run."
        )


def live_links(at=None) -> dict[str, str]:
    """Every http(s) link of a revision live now: key → the link as written."""
    rows = (
        FeaturedLink.objects.filter(revision__in=Revision.objects.live(at=at))
        .filter(Q(url__startswith="http://") | Q(url__startswith="https://"))
        .values_list("url", flat=True)
    )
    links = {}
    for url in rows:
        links.setdefault(link_key(url), url)
    return links


def run(*, budget: float | None = None) -> RunReport:
    budget = settings.LINKROT_TIME_BUDGET if budget is None else budget
    deadline = time.monotonic() + budget
    report = RunReport()
    links = live_links()
    recent = timezone.now() - timedelta(hours=settings.LINKROT_RECHECK_AFTER_HOURS)
    last = dict(LinkCheck.objects.filter(key__in=links).values_list("key", "checked_at"))
    due = [key for key in links if last.get(key) is None or last[key] < recent]
    due.sort(key=lambda key: (last.get(key) is not None, last.get(key) or 0))
    for n, key in enumerate(due):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            report.left_for_later = len(due) - n
            break
        row = check_link(links[key], budget=remaining)
        if row is None:  # its host's next turn is past the budget
            report.left_for_later += 1
            continue
        report.checked += 1
        if not row.ok:
            report.failing += 1
            report.failed_urls.append(row.url)
            if not row.wayback_url and suggest_snapshot(row):
                report.suggested += 1
    return report


def suggest_snapshot(row: LinkCheck) -> str:
    """Ask the Wayback Machine for the snapshot of `row.url` closest before it failed."""
    when = row.failing_since or timezone.now()
    query = urlencode({"url": row.url, "timestamp": f"{when:%Y%m%d%H%M%S}"})
    row.wayback_checked_at = timezone.now()
    try:
        fetched = fetch(f"{settings.WAYBACK_API_URL}?{query}", accept="application/json")
        closest = json.loads(fetched.body or b"{}")["archived_snapshots"]["closest"]
    except (FetchError, ValueError, KeyError, TypeError):
        closest = {}
    snapshot = ""
    if isinstance(closest, dict) and closest.get("available") and str(closest.get("status")) in (
        "200", "",
    ):  # fmt: skip
        snapshot = str(closest.get("url") or "").replace("http://", "https://", 1)
    if not snapshot.startswith("https://"):
        snapshot = ""
    row.wayback_url = snapshot[:1500]
    row.save(update_fields=["wayback_url", "wayback_checked_at"])
    return row.wayback_url


def where_featured(row: LinkCheck):
    """The live issues and entries that carry this link."""
    keys = with_aliases([row.key])
    return (
        FeaturedLink.objects.filter(key__in=keys, revision__in=Revision.objects.live())
        .order_by("-issue_number")
        .values_list("issue_number", "section_title", "entry_title")
    )


class CorrectionRefused(Exception):
    pass


def apply_correction(row: LinkCheck, *, by) -> list[str]:
    """The archived copy in place of the dead link in every draft working copy that has
    it; what was changed, or CorrectionRefused saying why nothing could be."""
    if not row.wayback_url:
        raise CorrectionRefused(f"There is no archived copy to use for {row.url}.")
    keys = with_aliases([row.key])
    changed, not_draft = [], set()
    with transaction.atomic():
        for model, field_name in ((Item, "url"), (Paper, "paper_url")):
            entries = model.objects.select_related("section__issue").exclude(**{field_name: ""})
            for entry in entries.filter(
                section__issue__in=Issue.objects.filter(
                    pk__in=FeaturedLink.objects.filter(key__in=keys).values("revision__issue")
                )
            ):
                if link_key(getattr(entry, field_name)) not in keys:
                    continue
                issue = entry.section.issue
                if not issue.is_editable:
                    not_draft.add(issue.number)
                    continue
                setattr(entry, field_name, row.wayback_url)
                entry.save(update_fields=[field_name])
                Issue.objects.filter(pk=issue.pk).update(
                    version=F("version") + 1, updated_at=timezone.now(), updated_by=by
                )
                changed.append(f"#{issue.number} “{entry.title}”")
    if not changed:
        reason = (
            f"issue {', '.join(f'#{n}' for n in sorted(not_draft))} is in review or approved"
            if not_draft
            else "no working copy has this link any more"
        )
        raise CorrectionRefused(f"Nothing was changed: {reason}.")
    return changed
