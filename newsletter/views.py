"""Public pages. They read published revisions only, through Revision.objects.live()."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from newsletter.models import Revision

ARCHIVE_PAGE_SIZE = 12


def live_revisions():
    return Revision.objects.live().order_by("-issue__number").only(
        "id", "snapshot", "go_live_at", "ends_at"
    )


def home(request):
    recent = list(live_revisions()[:6])
    return render(
        request,
        "newsletter/home.html",
        {"latest": recent[0] if recent else None, "recent": recent[1:]},
    )


def archive(request):
    page = Paginator(live_revisions(), ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "newsletter/archive.html", {"page": page, "revisions": page.object_list})


def _live_issue(number: int) -> Revision:
    revision = live_revisions().filter(issue__number=number).first()
    if revision is None:
        raise Http404("No published issue has that number.")
    return revision


def issue_detail(request, number: int, slug: str = ""):
    revision = _live_issue(number)
    if slug != revision.slug:
        return redirect(revision, permanent=True)
    return render(
        request,
        "newsletter/issue_detail.html",
        {"revision": revision, "snapshot": revision.snapshot},
    )
