"""The inbox's pages and endpoints, in the admin's look.

- `inbox`: the saved links, what was fetched for each, where each was featured before,
  and one form per link to add it to a section of a draft issue (or discard it).
- `save`: the page the bookmarklet opens, filled with the page's address, title and
  selected text; saving is a POST from it (a GET never saves).
- `capture_api`: POST a link with an editor's token (`Authorization: Bearer …`), for a
  phone's share sheet or a script; answers JSON.
- `featured_lookup`: where the links typed on the issue page were featured before (JSON).
"""

import json

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from curation.bookmarklet import bookmarklet_href
from curation.featured import entry_keys, featured_for_many
from curation.inbox import InboxError, add_to_section, discard, draft_sections, save_link
from curation.models import CaptureToken, SavedLink
from curation.urls_normalisation import arxiv_key, link_key
from newsletter.models import Section

SAVE = "curation.add_savedlink"


def _require(request, *perms):
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _link_keys(link: SavedLink) -> set[str]:
    keys = {link_key(link.url), link_key(link.final_url)}
    if link.arxiv_id:
        keys.add(arxiv_key(link.arxiv_id))
    return {key for key in keys if key}


# The inbox shows each link's suggested picture from the linked site itself (sent without a
# referrer) until an editor takes it: pictures from any http(s) origin, nothing else widened.
INBOX_CSP = {**settings.SECURE_CSP, "img-src": [*settings.SECURE_CSP["img-src"], "https:", "http:"]}


@csp_override(INBOX_CSP)
def inbox(request):
    _require(request, "curation.view_savedlink")
    links = list(SavedLink.objects.in_inbox().select_related("saved_by")[:200])
    featured = featured_for_many({link.pk: _link_keys(link) for link in links})
    for link in links:
        link.featured = featured.get(link.pk, [])
    sections = list(draft_sections())
    context = {
        **admin.site.each_context(request),
        "title": "Link inbox",
        "links": links,
        "sections": sections,
        "bookmarklet": bookmarklet_href(request),
        "can_add": request.user.has_perms(
            ["curation.change_savedlink", "newsletter.add_item", "newsletter.add_paper"]
        ),
    }
    return TemplateResponse(request, "curation/inbox.html", context)


def save(request):
    """The bookmarklet's page: shows what will be saved, saves on POST."""
    _require(request, SAVE)
    data = request.POST if request.method == "POST" else request.GET
    context = {
        **admin.site.each_context(request),
        "title": "Save to the inbox",
        "url": data.get("url", "")[:1000],
        "page_title": data.get("title", "")[:300],
        "text": data.get("text", "")[:5000],
        "popup": data.get("popup") == "1",
    }
    if request.method == "POST":
        try:
            link = save_link(
                url=context["url"],
                title=context["page_title"],
                selected_text=context["text"],
                by=request.user,
                via=SavedLink.Via.BOOKMARKLET if context["popup"] else SavedLink.Via.FORM,
            )
        except InboxError as error:
            context["error"] = str(error)
            return TemplateResponse(request, "curation/save.html", context, status=400)
        if not context["popup"]:
            messages.success(request, f"Saved “{link.best_title}” to the inbox.")
            return HttpResponseRedirect(reverse("admin:curation_savedlink_changelist"))
        context["saved"] = link
    return TemplateResponse(request, "curation/save.html", context)


@require_POST
def add(request, pk):
    _require(request, "curation.change_savedlink", "newsletter.add_item", "newsletter.add_paper")
    link = get_object_or_404(SavedLink, pk=pk)
    section = Section.objects.select_related("issue").filter(pk=request.POST.get("section")).first()
    back = HttpResponseRedirect(reverse("admin:curation_savedlink_changelist") + f"#link-{link.pk}")
    if section is None:
        messages.error(request, "Choose the section to add the link to.")
        return back
    kind = request.POST.get("as")
    try:
        entry = add_to_section(
            link,
            section,
            by=request.user,
            as_paper=None if kind not in ("item", "paper") else kind == "paper",
            picture_alt=request.POST.get("picture_alt", ""),
        )
    except InboxError as error:
        messages.error(request, str(error))
        return back
    what = "a paper" if entry.__class__.__name__ == "Paper" else "an item"
    issue_url = reverse("admin:newsletter_issue_change", args=(section.issue_id,))
    messages.success(
        request,
        f"Added “{entry.title}” to {section.title} in issue #{section.issue.number} as "
        f"{what}; it left the inbox.",
    )
    return HttpResponseRedirect(request.POST.get("next") == "issue" and issue_url or back.url)


@require_POST
def remove(request, pk):
    _require(request, "curation.delete_savedlink")
    link = get_object_or_404(SavedLink, pk=pk)
    discard(link)
    messages.success(request, f"Discarded “{link.best_title}”.")
    return HttpResponseRedirect(reverse("admin:curation_savedlink_changelist"))


@csrf_exempt  # authenticated by the token in the header, never by a cookie
@require_POST
def capture_api(request):
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    user = CaptureToken.objects.user_for(token)
    if user is None or not user.has_perm(SAVE):
        response = JsonResponse({"error": "A valid capture token is needed."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="inbox"'
        return response
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"error": "The body is not valid JSON."}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"error": "Send a JSON object with a url."}, status=400)
    else:
        data = request.POST
    try:
        link = save_link(
            url=str(data.get("url") or ""),
            title=str(data.get("title") or ""),
            selected_text=str(data.get("text") or ""),
            by=user,
            via=SavedLink.Via.API,
        )
    except InboxError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(
        {
            "id": link.pk,
            "url": link.url,
            "status": link.status,
            "inbox": request.build_absolute_uri(reverse("admin:curation_savedlink_changelist")),
        },
        status=201,
    )


@require_GET
def featured_lookup(request):
    """`?q=<link or arXiv id>` (repeated): for each, where it was featured before."""
    _require(request, "newsletter.change_issue")
    values = [value.strip() for value in request.GET.getlist("q")[:200] if value.strip()]
    exclude = request.GET.get("issue")
    keys = {}
    for value in values:
        entry = type("Typed", (), {"url": value, "arxiv_id": value if arxiv_key(value) else ""})
        keys[value] = set(entry_keys(entry))
    found = featured_for_many(keys, exclude_issue=exclude if (exclude or "").isdigit() else None)
    return JsonResponse(
        {
            value: [
                {"where": str(a), "title": a.entry_title, "url": a.url, "number": a.issue_number}
                for a in appearances
            ]
            for value, appearances in found.items()
        }
    )
