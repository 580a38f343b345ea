"""Public pages. They read published revisions only, through Revision.objects.live().

Everything shown comes from a revision's frozen snapshot: the number, slug and title in
a URL included. The working copy (Issue, Section, Item, Paper) is never queried, so a
draft cannot leak and renaming a draft cannot break a published address.
"""

import html
import json
import re
from datetime import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F, JSONField, OuterRef, Subquery
from django.db.models.fields.json import KeyTransform
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from newsletter import caching
from newsletter.absolute import absolute
from newsletter.models import Revision
from newsletter.templatetags.reader import snapshot_words

ARCHIVE_PAGE_SIZE = 12
RECENT_ON_HOME = 5
DESCRIPTION_CHARS = 160
SOCIAL_IMAGE_WIDTH = 1600

# The revision's own copy of its snapshot's number, not the working copy's: it is the one
# in the address, and a column, so finding and ordering issues never reads a snapshot.
ISSUE_NUMBER = F("issue_number")
NEWEST_FIRST = (
    ISSUE_NUMBER.desc(),
    F("go_live_at").desc(),
    F("id").desc(),
)


def live_issues(at):
    """Live revisions, newest issue first, each with `first_published` and `next_change`.

    Pages, feeds, the API and the email edition all list and look up issues through it.
    """
    return (
        Revision.objects.live(at)
        .with_first_published(at)
        .order_by(*NEWEST_FIRST)
        .annotate(next_change=caching.next_change(at))
    )


def live_issues_in_full(at):
    """`live_issues` with what rendering a whole issue needs, and nothing more."""
    return live_issues(at).only("id", "issue_number", "snapshot", "go_live_at", "ends_at")


def _headings(at):
    """Only the issue part of each snapshot (number, title, slug, summary): lists need no more."""
    return live_issues(at).annotate(head=KeyTransform("issue", "snapshot")).only("id", "go_live_at")


def _neighbour(at, *, older: bool):
    """The issue part of the live issue just before (older) or after this one, as a subquery."""
    this = OuterRef("issue_number")
    if older:
        near = Revision.objects.live(at).filter(issue_number__lt=this)
        near = near.order_by(ISSUE_NUMBER.desc())
    else:
        near = Revision.objects.live(at).filter(issue_number__gt=this)
        near = near.order_by(ISSUE_NUMBER.asc())
    head = near.annotate(head=KeyTransform("issue", "snapshot")).values("head")[:1]
    return Subquery(head, output_field=JSONField())


def page_description(snapshot: dict) -> str:
    text = html.unescape(strip_tags(snapshot["issue"]["summary_html"]))
    return Truncator(" ".join(text.split())).chars(DESCRIPTION_CHARS)


def _site_url(path: str) -> str:
    """An absolute URL on SITE_URL, never on the request's Host: pages are cached publicly."""
    return absolute(path, settings.SITE_URL.rstrip("/") + "/")


def _issue_url(head: dict) -> str:
    return reverse(
        "newsletter:issue-detail", kwargs={"number": head["number"], "slug": head["slug"]}
    )


def _social_image(image: dict | None) -> dict | None:
    """The picture for link previews: the 1600 px rendition, else the widest, else the original."""
    if not image:
        return None
    renditions = image.get("renditions") or []
    chosen = next((r for r in renditions if r["width"] == SOCIAL_IMAGE_WIDTH), None)
    if chosen is None and renditions:
        chosen = max(renditions, key=lambda r: r["width"])
    chosen = chosen or image
    return {
        "url": _site_url(chosen["url"]),
        "width": chosen["width"],
        "height": chosen["height"],
        "alt": image.get("alt", ""),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.UTC).isoformat().replace("+00:00", "Z") if moment else None


def ld_json(data: dict) -> str:
    """JSON for a <script type="application/ld+json">: no text in it can close the element."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(escaped)  # noqa: S308 - every <, > and & is escaped just above


def _structured_data(revision: Revision, canonical_url: str, image: dict | None) -> str:
    issue = revision.snapshot["issue"]
    site = {"@type": "Organization", "name": settings.SITE_NAME, "url": _site_url("/")}
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": issue["title"],
        "description": page_description(revision.snapshot),
        "url": canonical_url,
        "mainEntityOfPage": canonical_url,
        "datePublished": _iso(revision.first_published or revision.go_live_at),
        "dateModified": _iso(revision.go_live_at),
        "wordCount": snapshot_words(revision.snapshot),
        "author": site,
        "publisher": site,
        "isAccessibleForFree": True,
    }
    if image:
        data["image"] = {
            "@type": "ImageObject",
            "url": image["url"],
            "width": image["width"],
            "height": image["height"],
        }
    return ld_json(data)


def home(request):
    at = timezone.now()
    canonical_url = _site_url(reverse("newsletter:home"))
    latest = live_issues_in_full(at).first()
    if latest is None:
        response = render(
            request,
            "newsletter/home.html",
            {"latest": None, "recent": [], "canonical_url": canonical_url},
        )
        return caching.cache_publicly(response, at=at, change=caching.upcoming_change(at))
    recent = list(_headings(at)[1 : 1 + RECENT_ON_HOME])
    response = render(
        request,
        "newsletter/home.html",
        {
            "latest": latest,
            "snapshot": latest.snapshot,
            "recent": recent,
            "description": page_description(latest.snapshot),
            "canonical_url": canonical_url,
            "og_image": _social_image(latest.snapshot["issue"]["hero_image"]),
        },
    )
    return caching.cache_publicly(response, at=at, change=latest.next_change)


def _year(moment: datetime) -> int:
    return timezone.localtime(moment).year


def archive(request):
    at = timezone.now()
    page = Paginator(_headings(at), ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    revisions = list(page.object_list)
    years: list[tuple[int, list[Revision]]] = []
    for revision in revisions:
        year = _year(revision.first_published or revision.go_live_at)
        if not years or years[-1][0] != year:
            years.append((year, []))
        years[-1][1].append(revision)
    change = revisions[0].next_change if revisions else caching.upcoming_change(at)
    path = reverse("newsletter:archive")
    response = render(
        request,
        "newsletter/archive.html",
        {
            "page": page,
            "revisions": revisions,
            "years": years,
            "description": f"Every issue of {settings.SITE_NAME}, newest first.",
            "og_title": "Archive",
            "canonical_url": _site_url(path + (f"?page={page.number}" if page.number > 1 else "")),
        },
    )
    return caching.cache_publicly(response, at=at, change=change)


def issue_detail(request, number: int, slug: str | None = None):
    at = timezone.now()
    revision = (
        live_issues_in_full(at)
        .filter(issue_number=number)
        .annotate(older=_neighbour(at, older=True), newer=_neighbour(at, older=False))
        .first()
    )
    if revision is None:
        raise Http404("No published issue has that number.")
    if slug != revision.slug:
        response = redirect(revision.get_absolute_url(), permanent=True)
    else:
        canonical_url = _site_url(revision.get_absolute_url())
        image = _social_image(revision.snapshot["issue"]["hero_image"])
        response = render(
            request,
            "newsletter/issue_detail.html",
            {
                "revision": revision,
                "snapshot": revision.snapshot,
                "description": page_description(revision.snapshot),
                "canonical_url": canonical_url,
                "og_type": "article",
                "og_title": revision.title,
                "og_image": image,
                "published_iso": _iso(revision.first_published or revision.go_live_at),
                "modified_iso": _iso(revision.go_live_at),
                "structured_data": _structured_data(revision, canonical_url, image),
                "older": revision.older,
                "newer": revision.newer,
            },
        )
    return caching.cache_publicly(response, at=at, change=revision.next_change)


# The papers index

_ARXIV_VERSION = re.compile(r"v\d+$")
_NOT_WORD = re.compile(r"[\W_]+")


def paper_key(entry: dict) -> str:
    """One paper however it was written down: its arXiv id without version, else its title."""
    arxiv_id = (entry.get("arxiv_id") or "").strip().lower()
    if arxiv_id:
        return "arxiv:" + _ARXIV_VERSION.sub("", arxiv_id)
    return "title:" + " ".join(_NOT_WORD.sub(" ", entry.get("title", "").casefold()).split())


def _papers(revisions) -> list[dict]:
    """Every paper in these revisions, newest issue first, each once with all its appearances."""
    papers: dict[str, dict] = {}
    for revision in revisions:
        head = revision.head
        published = revision.first_published or revision.go_live_at
        for section in revision.sections or []:
            for entry in section.get("entries", []):
                if entry.get("kind") != "paper":
                    continue
                paper = papers.setdefault(paper_key(entry), {"entry": entry, "appearances": []})
                paper["appearances"].append(
                    {
                        "number": head["number"],
                        "title": head["title"],
                        "url": f"{_issue_url(head)}#{entry['anchor']}",
                        "published": published,
                        "year": _year(published),
                    }
                )
    return list(papers.values())


def papers(request):
    at = timezone.now()
    revisions = list(
        live_issues(at)
        .annotate(
            head=KeyTransform("issue", "snapshot"), sections=KeyTransform("sections", "snapshot")
        )
        .only("id", "go_live_at")
    )
    every_paper = _papers(revisions)
    years = sorted({a["year"] for p in every_paper for a in p["appearances"]}, reverse=True)
    year = request.GET.get("year", "")
    year = int(year) if year.isascii() and year.isdigit() and int(year) in years else None
    shown = [
        paper
        for paper in every_paper
        if year is None or any(a["year"] == year for a in paper["appearances"])
    ]
    change = revisions[0].next_change if revisions else caching.upcoming_change(at)
    path = reverse("newsletter:papers") + (f"?year={year}" if year else "")
    response = render(
        request,
        "newsletter/papers.html",
        {
            "papers": shown,
            "years": years,
            "year": year,
            "description": f"Every research paper featured in {settings.SITE_NAME}, newest first.",
            "og_title": f"Papers from {year}" if year else "Papers",
            "canonical_url": _site_url(path),
        },
    )
    return caching.cache_publicly(response, at=at, change=change)
