"""A read-only JSON API over live issues, for scripts and apps; mounted at /api/.

It reads `Revision.objects.live()` only, like every public page: a draft or a scheduled
issue does not exist here before its time. Everything comes from the live snapshot.
"""

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Status

from newsletter.api.schemas import IssueDetail, IssuePage, Message
from newsletter.content.snapshot import Entry, ImageRef
from newsletter.models import Revision
from newsletter.reader.addresses import absolute, content_html, site_base
from newsletter.reader.http import public_until_next_change

PAGE_SIZE = 20

api = NinjaAPI(
    title=f"{settings.SITE_NAME} API",
    version="1",
    description=(
        f"The published issues of {settings.SITE_NAME}, read only. "
        "HTML fields are sanitised and every URL in them is absolute."
    ),
    urls_namespace="api",
    auth=None,
)


def _picture(image: ImageRef | None, base: str) -> dict | None:
    if image is None:
        return None
    return {
        "url": absolute(image.url, base),
        "width": image.width,
        "height": image.height,
        "alt": image.alt,
        "caption": image.caption,
        "credit": image.credit,
        "credit_url": image.credit_url,
        "renditions": [
            {"url": absolute(r.url, base), "width": r.width, "height": r.height}
            for r in image.renditions
        ],
    }


def _summary(revision: Revision, base: str) -> dict:
    issue = revision.heading
    url = absolute(revision.get_absolute_url(), base)
    return {
        "number": issue.number,
        "title": issue.title,
        "slug": issue.slug,
        "url": url,
        "published_at": revision.published_at,
        "updated_at": revision.go_live_at,
        "summary_html": content_html(issue.summary_html, url),
        "hero_image": _picture(issue.hero_image, base),
    }


def _entry(entry: Entry, page: str, base: str) -> dict:
    common = {"kind": entry.kind, "anchor": entry.anchor, "url": f"{page}#{entry.anchor}"}
    picture = _picture(entry.image, base)
    if entry.kind == "paper":
        return {
            **common,
            **entry.card_fields(),
            "summary_html": content_html(entry.summary_html, page),
            "image": picture,
        }
    return {
        **common,
        "title": entry.title,
        "link": entry.url,
        "source": entry.source,
        "body_html": content_html(entry.body_html, page),
        "image": picture,
    }


def _detail(revision: Revision, base: str) -> dict:
    issue = _summary(revision, base)
    page = issue["url"]
    sections = [
        {
            "anchor": section.anchor,
            "url": f"{page}#{section.anchor}",
            "title": section.title,
            "intro_html": content_html(section.intro_html, page),
            "entries": [_entry(entry, page, base) for entry in section.entries],
        }
        for section in revision.content.sections
    ]
    return {**issue, "sections": sections}


def _page_url(request: HttpRequest, number: int) -> str:
    return request.build_absolute_uri(f"{request.path}?page={number}")


@api.get(
    "/issues/",
    response={200: IssuePage, 404: Message},
    tags=["issues"],
    summary="Live issues, newest first",
)
def list_issues(request: HttpRequest, response: HttpResponse, page: Query[int] = 1):
    """Twenty issues a page, each with its summary; `next` and `previous` link the pages."""
    at = timezone.now()
    # Only the issue part of each snapshot: a list needs no sections.
    revisions = Revision.objects.live_issues(at).headings()
    try:
        current = Paginator(revisions, PAGE_SIZE).page(page)
    except InvalidPage:
        return Status(404, {"detail": "No such page."})
    rows = list(current.object_list)
    base = site_base(request)
    public_until_next_change(response)
    return {
        "count": current.paginator.count,
        "page": current.number,
        "pages": current.paginator.num_pages,
        "next": _page_url(request, page + 1) if current.has_next() else None,
        "previous": _page_url(request, page - 1) if current.has_previous() else None,
        "items": [_summary(row, base) for row in rows],
    }


@api.get(
    "/issues/{int:number}/",
    response={200: IssueDetail, 404: Message},
    tags=["issues"],
    summary="One live issue in full",
)
def get_issue(request: HttpRequest, response: HttpResponse, number: int):
    """Every section and entry of the issue, as its page shows them."""
    at = timezone.now()
    revision = Revision.objects.live_issues(at).in_full().filter(issue_number=number).first()
    if revision is None:
        return Status(404, {"detail": "No published issue has that number."})
    public_until_next_change(response)
    return _detail(revision, site_base(request))
