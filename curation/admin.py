"""Curation in the admin: the inbox (its own page), capture tokens, the link-rot report."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from curation import issue_page, views
from curation.linkrot import CorrectionRefused, apply_correction, where_featured
from curation.models import CaptureToken, LinkCheck, SavedLink


@admin.register(SavedLink)
class SavedLinkAdmin(admin.ModelAdmin):
    """Saved links: the inbox page is their list (`curation.views`)."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = "curation_savedlink_"
        return [
            path("", wrap(views.inbox), name=name + "changelist"),
            path("save/", wrap(views.save), name=name + "save"),
            path("featured/", wrap(views.featured_lookup), name=name + "featured"),
            path("<int:pk>/add-to-issue/", wrap(views.add), name=name + "addto"),
            path("<int:pk>/discard/", wrap(views.remove), name=name + "discard"),
            path(
                "preflight/<int:issue_id>/acknowledge/",
                wrap(issue_page.acknowledge_view),
                name="curation_preflight_acknowledge",
            ),
            path(
                "preflight/<int:issue_id>/check-links/",
                wrap(issue_page.check_links_view),
                name="curation_preflight_check_links",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:curation_savedlink_save"))


@admin.register(CaptureToken)
class CaptureTokenAdmin(admin.ModelAdmin):
    """Each editor's keys for saving links from a script or a phone. A token is shown once,
    when made; revoking one stops it at once. Superusers see and revoke everyone's."""

    list_display = ("label", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    fields = ("label",)
    actions = ["revoke"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        row, token = CaptureToken.issue(request.user, form.cleaned_data["label"])
        obj.pk = row.pk
        endpoint = request.build_absolute_uri(reverse("curation-capture-api"))
        messages.warning(
            request,
            f"Your new token (shown only now, copy it): {token} — POST url, title and text "
            f"to {endpoint} with the header “Authorization: Bearer {token}”.",
        )

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:curation_capturetoken_changelist"))

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"Revoked {count} token{'s' if count != 1 else ''}.")


@admin.register(LinkCheck)
class LinkRotAdmin(admin.ModelAdmin):
    """The link-rot report: links of live issues that fail now, since when, where they are,
    and the archived copy to use instead."""

    list_display = ("link", "failing_since", "checked_at", "message", "archived", "featured_in")
    list_filter = ("host",)
    search_fields = ("url",)
    actions = ["use_archived_copy"]
    readonly_fields = [f.name for f in LinkCheck._meta.fields]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(ok=False)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Link", ordering="url")
    def link(self, row):
        return format_html('<a href="{}" rel="noreferrer">{}</a>', row.url, row.url[:80])

    @admin.display(description="Archived copy")
    def archived(self, row):
        if not row.wayback_url:
            return "none found" if row.wayback_checked_at else "not asked yet"
        return format_html('<a href="{}" rel="noreferrer">{}</a>', row.wayback_url, "Wayback")

    @admin.display(description="In live issues")
    def featured_in(self, row):
        return "; ".join(
            f"#{number} {section}: {title[:40]}" for number, section, title in where_featured(row)
        )

    @admin.action(
        description="Use the archived copy in the draft working copies",
        permissions=["change"],
    )
    def use_archived_copy(self, request, queryset):
        for row in queryset:
            try:
                changed = apply_correction(row, by=request.user)
            except CorrectionRefused as refusal:
                messages.error(request, f"{row.url}: {refusal}")
            else:
                messages.success(
                    request,
                    f"{row.url} now points to its archived copy in {', '.join(changed)}: "
                    "submit the issue to publish the correction.",
                )
