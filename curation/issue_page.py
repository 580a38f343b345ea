"""What the curation tools add to the issue page: the preflight panel, featured before.

The panel lists `curation.preflight.check(issue)`. Links are checked in the background:
*Check links* queues `check_issue_links`; with a real task backend (a worker), opening
the page queues it too when some link has not been checked for a day.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.tasks.backends.immediate import ImmediateBackend
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from curation.models import LinkCheck
from curation.preflight import acknowledge, check
from curation.tasks import check_issue_links
from curation.urls_normalisation import link_key
from newsletter.models import Issue, Item, Paper

STALE = timedelta(days=1)


def _links_unchecked(issue: Issue) -> bool:
    urls = [
        *Item.objects.filter(section__issue=issue).values_list("url", flat=True),
        *Paper.objects.filter(section__issue=issue).values_list("paper_url", flat=True),
    ]
    keys = {link_key(url) for url in urls if url}
    if not keys:
        return False
    fresh = LinkCheck.objects.filter(key__in=keys, checked_at__gte=timezone.now() - STALE)
    return fresh.count() < len(keys)


def curation_context(request, issue: Issue) -> dict:
    findings = check(issue)
    in_background = not isinstance(check_issue_links.get_backend(), ImmediateBackend)
    if in_background and issue.is_editable and _links_unchecked(issue):
        check_issue_links.enqueue(issue.pk)
    return {
        "issue": issue,
        "featured_url": reverse("admin:curation_savedlink_featured"),
        "errors": [f for f in findings if f.is_error],
        "warnings": [f for f in findings if not f.is_error],
        "ack_url": reverse("admin:curation_preflight_acknowledge", args=(issue.pk,)),
        "check_url": reverse("admin:curation_preflight_check_links", args=(issue.pk,)),
        "can_act": issue.is_editable and request.user.has_perm("newsletter.change_issue"),
    }


def _issue_for(request, issue_id) -> Issue:
    if not request.user.has_perm("newsletter.change_issue"):
        raise PermissionDenied
    return get_object_or_404(Issue, pk=unquote(str(issue_id)))


def _back(issue: Issue):
    return HttpResponseRedirect(
        reverse("admin:newsletter_issue_change", args=(issue.pk,)) + "#preflight"
    )


@require_POST
def acknowledge_view(request, issue_id):
    issue = _issue_for(request, issue_id)
    if not request.user.has_perm("curation.add_preflightacknowledgement"):
        raise PermissionDenied
    if acknowledge(issue, request.POST.get("code", ""), by=request.user):
        messages.success(request, "Warning acknowledged.")
    else:
        messages.error(request, "That warning is no longer there, or is an error to fix.")
    return _back(issue)


@require_POST
def check_links_view(request, issue_id):
    issue = _issue_for(request, issue_id)
    check_issue_links.enqueue(issue.pk)
    messages.success(request, "The issue's links are being checked; the panel shows what failed.")
    return _back(issue)
