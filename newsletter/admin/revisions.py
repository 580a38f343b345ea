"""Revisions in the admin: a read-only viewer, with the email edition to download.

Revisions are immutable and published only by the workflow, so nothing here writes.
"""

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header

from newsletter.email_edition.views import FORMATS
from newsletter.models import Revision
from newsletter.reader.addresses import site_base


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only the application writes (revisions, audit events): view only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PublicationFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [
            ("live", "Live now"),
            ("scheduled", "Scheduled"),
            ("ended", "No longer live"),
            ("never", "Never published"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "live":
                return queryset.live(at=now)
            case "scheduled":
                return queryset.scheduled(at=now)
            case "ended":
                return queryset.filter(ends_at__lte=now)
            case "never":
                return queryset.filter(go_live_at__isnull=True)
        return queryset


@admin.register(Revision)
class RevisionAdmin(EmailEditionAdminMixin, ReadOnlyAdmin):
    """Revisions are immutable and published only by the workflow: this is a viewer."""

    list_display = ("issue", "number", "go_live_at", "ends_at", "created_by", "created_at")
    list_select_related = ("issue", "created_by")
    list_filter = (PublicationFilter, "go_live_at", "issue")
    search_fields = ("issue__title", "issue__slug")
    fields = (
        "issue",
        "number",
        "created_by",
        "created_at",
        "go_live_at",
        "ends_at",
        "snapshot_display",
    )
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description="Snapshot")
    def snapshot_display(self, revision):
        return format_html(
            '<pre class="snapshot">{}</pre>',
            json.dumps(revision.snapshot, indent=2, ensure_ascii=False),
        )
