"""Public pages: home, archive, an issue, the papers index. Live revisions only.

Everything shown comes from a revision's frozen snapshot (the papers index: from the rows
frozen with it, `newsletter.reader.papers`), the number, slug and title in an address
included, read through `Revision.objects.live_issues()`. The working copy
(Issue, Section, Item, Paper) is never queried, so a draft cannot leak and renaming a
draft cannot break a published address.
"""

import json
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from newsletter.content.snapshot import ImageRef, IssuePart, Snapshot
from newsletter.models import Revision
from newsletter.reader.addresses import site_url
from newsletter.reader.http import public_until_next_change
from newsletter.reader.paging import NoSuchPage, no_such_page, page_of
from newsletter.reader.papers import PaperIndex

ARCHIVE_PAGE_SIZE = 12
# Papers a page of the papers index shows: the whole list of a long-running newsletter is
# thousands of cards and megabytes of HTML, too big for readers and for the response cache.
PAPERS_PAGE_SIZE = 50
RECENT_ON_HOME = 5
DESCRIPTION_CHARS = 160


def page_description(snapshot: Snapshot) -> str:
    """The issue's summary as one line of at most 160 characters: for <meta> and link previews."""
    return Truncator(snapshot.issue.summary_text).chars(DESCRIPTION_CHARS)


def _social_image(image: ImageRef | None) -> dict | None:
    if not image:
        return None
    chosen = image.social
    return {
        "url": site_url(chosen.url),
        "width": chosen.width,
        "height": chosen.height,
        "alt": image.alt,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.UTC).isoformat().replace("+00:00", "Z") if moment else None


def ld_json(data: dict) -> str:
    """JSON for a <script type="application/ld+json">: no text in it can close the element."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(escaped)  # noqa: S308 - every <, > and & is escaped just above


def _structured_data(revision: Revision, canonical_url: str, image: dict | None) -> str:
    site = {"@type": "Organization", "name": settings.SITE_NAME, "url": site_url("/")}
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": revision.title,
        "description": page_description(revision.content),
        "url": canonical_url,
        "mainEntityOfPage": canonical_url,
        "datePublished": _iso(revision.published_at),
        "dateModified": _iso(revision.go_live_at),
        "wordCount": revision.content.word_count,
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
    canonical_url = site_url(reverse("newsletter:home"))
    latest = Revision.objects.live_issues(at).in_full().first()
    if latest is None:
        context = {"latest": None, "recent": [], "canonical_url": canonical_url}
        return public_until_next_change(render(request, "newsletter/home.html", context))
    recent = list(Revision.objects.live_issues(at).headings()[1 : 1 + RECENT_ON_HOME])
    response = render(
        request,
        "newsletter/home.html",
        {
            "latest": latest,
            "snapshot": latest.content,
            "recent": recent,
            "description": page_description(latest.content),
            "canonical_url": canonical_url,
            "og_image": _social_image(latest.content.issue.hero_image),
        },
    )
    return public_until_next_change(response)


def _year(moment: datetime) -> int:
    return timezone.localtime(moment).year


def archive(request):
    at = timezone.now()
    listing = Revision.objects.live_issues(at).headings()
    path = reverse("newsletter:archive")
    try:
        page = page_of(request, listing, ARCHIVE_PAGE_SIZE)
    except NoSuchPage as missing:
        return no_such_page(
            request,
            missing,
            listing="archive",
            url=lambda number: path + (f"?page={number}" if number > 1 else ""),
        )
    revisions = list(page.object_list)
    years: list[tuple[int, list[Revision]]] = []
    for revision in revisions:
        year = _year(revision.published_at)
        if not years or years[-1][0] != year:
            years.append((year, []))
        years[-1][1].append(revision)
    response = render(
        request,
        "newsletter/archive.html",
        {
            "page": page,
            "revisions": revisions,
            "years": years,
            "description": f"Every issue of {settings.SITE_NAME}, newest first.",
            "og_title": "Archive",
            "canonical_url": site_url(path + (f"?page={page.number}" if page.number > 1 else "")),
        },
    )
    return public_until_next_change(response)


def issue_detail(request, number: int, slug: str | None = None):
    at = timezone.now()
    revision = (
        Revision.objects.live_issues(at)
        .in_full()
        .filter(issue_number=number)
        .with_neighbours(at)
        .first()
    )
    if revision is None:
        raise Http404("No published issue has that number.")
    if slug != revision.slug:
        response = redirect(revision.get_absolute_url(), permanent=True)
    else:
        canonical_url = site_url(revision.get_absolute_url())
        image = _social_image(revision.content.issue.hero_image)
        response = render(
            request,
            "newsletter/issue_detail.html",
            {
                "revision": revision,
                "snapshot": revision.content,
                "description": page_description(revision.content),
                "canonical_url": canonical_url,
                "og_type": "article",
                "og_title": revision.title,
                "og_image": image,
                "published_iso": _iso(revision.published_at),
                "modified_iso": _iso(revision.go_live_at),
                "structured_data": _structured_data(revision, canonical_url, image),
                "older": revision.older and IssuePart.from_json(revision.older),
                "newer": revision.newer and IssuePart.from_json(revision.newer),
            },
        )
    return public_until_next_change(response)


# The papers index


def papers(request):
    index = PaperIndex(timezone.now())
    years = index.years()
    year = request.GET.get("year", "")
    year = int(year) if year.isascii() and year.isdigit() and int(year) in years else None
    index.year = year

    def query(number: int) -> str:
        return urlencode(
            {**({"year": year} if year else {}), **({"page": number} if number > 1 else {})}
        )

    path = reverse("newsletter:papers")
    try:
        page = page_of(request, index, PAPERS_PAGE_SIZE)
    except NoSuchPage as missing:
        listing = f"list of papers from {year}" if year else "papers index"
        return no_such_page(
            request,
            missing,
            listing=listing,
            url=lambda number: path + (f"?{query(number)}" if query(number) else ""),
        )
    response = render(
        request,
        "newsletter/papers.html",
        {
            "papers": page.object_list,
            "page": page,
            "count": index.count(),
            "previous_query": query(page.previous_page_number()) if page.has_previous() else "",
            "next_query": query(page.next_page_number()) if page.has_next() else "",
            "years": years,
            "year": year,
            "description": f"Every research paper featured in {settings.SITE_NAME}, newest first.",
            "og_title": f"Papers from {year}" if year else "Papers",
            "canonical_url": site_url(
                path + (f"?{query(page.number)}" if page.number > 1 or year else "")
            ),
        },
    )
    return public_until_next_change(response)
