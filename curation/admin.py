"""Curation in the admin: the inbox (its own page), capture tokens, the link-rot report."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from curation import issue_page, views
from curation.models import CaptureToken, SavedLink


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
