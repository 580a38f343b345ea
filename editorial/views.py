"""Previews for staff, shared preview links for anyone holding one, and revision diffs.

Every preview renders the public template, newsletter/issue_detail.html, through a thin
wrapper that adds only a banner and a noindex tag: what an editor previews is exactly
what readers will see.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from editorial import previews
from editorial.diff import diff_snapshots
from editorial.workflow import live_revision
from newsletter.models import Issue, Revision
from newsletter.reader.views import page_description

VIEW_ISSUE = "newsletter.view_issue"
VIEW_REVISION = "newsletter.view_revision"


def private(response: HttpResponse) -> HttpResponse:
    """Keep a preview out of caches, search engines and other sites' referrer logs."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def staff_with(*perms):
    """Staff only (others go to the admin login), then 403 without every permission."""

    def decorator(view):
        @staff_member_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _render_preview(request, preview: previews.Preview, banner: dict) -> HttpResponse:
    snapshot = preview.snapshot
    response = render(
        request,
        "editorial/preview_issue.html",
        {
            "snapshot": snapshot,
            "revision": previews.page_revision(preview),
            "description": page_description(snapshot),
            "banner": banner,
        },
    )
    return private(response)


def _status_of(revision: Revision) -> dict:
    return {"status": previews.revision_status(revision), "revision": revision}


# Staff previews ------------------------------------------------------------------------


@require_GET
@staff_with(VIEW_ISSUE)
def preview_working_copy(request, pk: int):
    issue = get_object_or_404(Issue, pk=pk)
    preview = previews.preview_for(issue, previews.WORKING)
    return _render_preview(request, preview, {"kind": "working", "issue": issue})


@require_GET
@staff_with(VIEW_ISSUE, VIEW_REVISION)
def preview_revision(request, pk: int, number: int):
    issue = get_object_or_404(Issue, pk=pk)
    try:
        preview = previews.preview_for(issue, number)
    except Revision.DoesNotExist:
        raise Http404("This issue has no revision with that number.") from None
    banner = {"kind": "revision", "issue": issue, **_status_of(preview.revision)}
    return _render_preview(request, preview, banner)


# Diff ----------------------------------------------------------------------------------


@require_GET
@staff_with(VIEW_ISSUE, VIEW_REVISION)
def diff(request, pk: int, number: int):
    issue = get_object_or_404(Issue, pk=pk)
    revision = get_object_or_404(Revision, issue=issue, number=number)
    live = live_revision(issue)
    previous = Revision.objects.filter(issue=issue, number=number - 1).first()
    if live is None and previous is None:
        # A first submission: compared with an empty issue, so the reviewer reads all of it.
        comparisons = [
            {
                "name": "first",
                "heading": "Everything in it, against an empty issue",
                "intro": f"Revision {number} is the first version of this issue, and none "
                "of it is live yet: there is no earlier version to compare with, so all of it "
                "is shown as added.",
                "diff": diff_snapshots(None, revision.content),
            }
        ]
    else:
        comparisons = _comparisons(number, revision, live, previous)
    context = {
        **admin.site.each_context(request),
        "title": f"Changes in revision {number} of issue #{issue.number}",
        "opts": Issue._meta,
        "issue": issue,
        "revision": revision,
        "status": previews.revision_status(revision),
        "comparisons": comparisons,
    }
    return private(render(request, "editorial/diff.html", context))


def _comparisons(number, revision, live, previous) -> list[dict]:
    """Against the live revision and the previous one (at least one of them exists)."""
    return [
        {
            "name": "live",
            "heading": "Against the live revision",
            "other": live,
            "same": live is not None and live.pk == revision.pk,
            "missing": "No revision of this issue is live, so there is nothing to compare with.",
            "diff": diff_snapshots(live.content, revision.content) if live else None,
        },
        {
            "name": "previous",
            "heading": "Against the previous revision",
            "other": previous,
            "same": False,
            "same_as_live": previous is not None and live is not None and previous.pk == live.pk,
            "missing": f"Revision {number} is the first revision of this issue.",
            "diff": diff_snapshots(previous.content, revision.content) if previous else None,
        },
    ]


# Share links ---------------------------------------------------------------------------


def _back(request, issue: Issue):
    """To `next` when it is one of ours, else to the issue's page in the admin."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("admin:newsletter_issue_change", issue.pk)


@require_POST
@staff_with(VIEW_ISSUE)
def share_create(request, pk: int):
    issue = get_object_or_404(Issue, pk=pk)
    try:
        target = previews.parse_target(request.POST.get("target", previews.WORKING))
    except ValueError:
        messages.error(request, "Choose the working copy or a revision to share.")
        return _back(request, issue)
    try:
        days = int(request.POST.get("days") or previews.DEFAULT_DAYS)
    except ValueError:
        days = 0
    if not 1 <= days <= previews.MAX_DAYS:
        messages.error(request, f"A share link can last between 1 and {previews.MAX_DAYS} days.")
        return _back(request, issue)
    if target != previews.WORKING:
        if not request.user.has_perm(VIEW_REVISION):
            raise PermissionDenied
        if not issue.revisions.filter(number=target).exists():
            messages.error(request, f"Issue #{issue.number} has no revision {target}.")
            return _back(request, issue)

    token = previews.make_share_token(issue, target, days=days)
    url = request.build_absolute_uri(reverse("editorial:shared-preview", args=[token]))
    what = "the working copy" if target == previews.WORKING else f"revision {target}"
    until = timezone.localtime(timezone.now() + timedelta(days=days))
    messages.success(
        request,
        f"Anyone with this link can read {what} of issue #{issue.number} until "
        f"{date_format(until, 'j F Y, H:i')} (or until share links are revoked): {url}",
    )
    return _back(request, issue)


@require_POST
@staff_with(VIEW_ISSUE)
def share_revoke(request, pk: int):
    issue = get_object_or_404(Issue, pk=pk)
    previews.revoke_share_links(issue, by=request.user)
    messages.success(
        request, f"Every share link of issue #{issue.number} issued so far no longer works."
    )
    return _back(request, issue)


@require_GET
def shared_preview(request, token: str):
    """Public: anyone holding a genuine, unexpired, unrevoked link; no account needed."""
    try:
        issue, target = previews.read_share_token(token)
        preview = previews.preview_for(issue, target)
    except previews.InvalidShareLink as refusal:
        return _refuse(request, str(refusal), status=410 if refusal.gone else 404)
    except Revision.DoesNotExist:
        return _refuse(request, "This preview link is not valid.", status=404)
    banner = {
        "kind": "shared",
        "issue": issue,
        "expires_at": previews.share_token_expires_at(token),
    }
    if preview.revision is not None:
        banner.update(_status_of(preview.revision))
    return _render_preview(request, preview, banner)


def _refuse(request, reason: str, *, status: int) -> HttpResponse:
    response = render(request, "editorial/share_invalid.html", {"reason": reason}, status=status)
    return private(response)
