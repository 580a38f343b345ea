"""The email edition, served: public URLs for live issues, admin downloads for any revision.

The public URLs read only `Revision.objects.live()`. The admin download serves any
revision to staff, so an editor can prepare the email of a scheduled issue.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header

from newsletter import caching
from newsletter.absolute import site_base
from newsletter.email_edition import email_html, email_text
from newsletter.models import Revision
from newsletter.views import live_issues_in_full

# format -> (builder, content type, file extension)
FORMATS = {
    "html": (email_html, "text/html; charset=utf-8", "html"),
    "text": (email_text, "text/plain; charset=utf-8", "txt"),
}


def _serve(request, number: int, slug: str, *, fmt: str, url_name: str):
    at = timezone.now()
    revision = live_issues_in_full(at).filter(issue_number=number).first()
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
    return caching.cache_publicly(response, at=at, change=revision.next_change)


def issue_email(request, number: int, slug: str):
    return _serve(request, number, slug, fmt="html", url_name="newsletter:issue-email")


def issue_email_text(request, number: int, slug: str):
    return _serve(request, number, slug, fmt="text", url_name="newsletter:issue-email-text")


class EmailEditionAdminMixin:
    """For RevisionAdmin: download any revision's email edition, HTML or plain text.

    Links point at SITE_URL, the public site, whichever host the admin is reached on.
    """

    email_edition_field = "email_edition"

    def get_urls(self):
        download = self.admin_site.admin_view(self.email_download_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_email"
        return [
            path("<int:pk>/email/<str:fmt>/", download, name=name),
            *super().get_urls(),
        ]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and self.email_edition_field not in fields:
            at = fields.index("snapshot_display") if "snapshot_display" in fields else len(fields)
            fields.insert(at, self.email_edition_field)
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), self.email_edition_field)

    @admin.display(description="Email edition")
    def email_edition(self, revision):
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_email"
        note = (
            ""
            if revision.is_live()
            else " Its “View this issue on the web” link works once this revision is live."
        )
        return format_html(
            'Download email edition (<a href="{}">HTML</a> / <a href="{}">text</a>).{}',
            reverse(name, args=(revision.pk, "html")),
            reverse(name, args=(revision.pk, "text")),
            note,
        )

    def email_download_view(self, request, pk: int, fmt: str):
        if fmt not in FORMATS:
            raise Http404("Unknown format.")
        revision = get_object_or_404(Revision, pk=pk)
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        build, content_type, extension = FORMATS[fmt]
        response = HttpResponse(build(revision, base=site_base()), content_type=content_type)
        filename = f"issue-{revision.issue_number}-{revision.slug}.{extension}"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["X-Robots-Tag"] = "noindex"
        return response
