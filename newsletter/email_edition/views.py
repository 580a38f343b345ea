"""The email edition of live issues at public URLs, for mailing tools to fetch.

They read only `Revision.objects.live_issues()`, like every public page. Staff download
any revision's edition from its admin page (`newsletter.admin.revisions`).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from newsletter.email_edition.edition import email_html
from newsletter.email_edition.plain_text import email_text
from newsletter.models import Revision
from newsletter.reader.addresses import site_base
from newsletter.reader.http import public_until_next_change

# format -> (builder, content type, file extension)
FORMATS = {
    "html": (email_html, "text/html; charset=utf-8", "html"),
    "text": (email_text, "text/plain; charset=utf-8", "txt"),
}


def _serve(request, number: int, slug: str, *, fmt: str, url_name: str):
    at = timezone.now()
    revision = Revision.objects.live_issues(at).in_full().filter(issue_number=number).first()
    if revision is None:
        raise Http404("No published issue has that number.")
    if slug != revision.slug:
        response = redirect(
            url_name, number=revision.issue_number, slug=revision.slug, permanent=True
        )
    else:
        build, content_type, _ = FORMATS[fmt]
        response = HttpResponse(build(revision, base=site_base(request)), content_type=content_type)
    # A copy of the issue page for mailing tools: search engines should index the page itself.
    response["X-Robots-Tag"] = "noindex"
    return public_until_next_change(response, at=at, rows=[revision])


def issue_email(request, number: int, slug: str):
    return _serve(request, number, slug, fmt="html", url_name="newsletter:issue-email")


def issue_email_text(request, number: int, slug: str):
    return _serve(request, number, slug, fmt="text", url_name="newsletter:issue-email-text")
