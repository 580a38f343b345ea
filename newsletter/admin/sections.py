"""A section's page: its intro, and its items and papers in order."""

from adminsortable2.admin import SortableInlineAdminMixin
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from newsletter.admin.editing import (
    SORTABLE_STACKED_TEMPLATE,
    EditorFieldsMixin,
    SortableAdmin,
    is_editable,
    touch_issue,
)
from newsletter.models import Item, Paper, Section


class ItemInline(EditorFieldsMixin, SortableInlineAdminMixin, admin.StackedInline):
    model = Item
    fields = ("title", "url", "source", "body", "image")
    markdown_fields = ("body",)
    image_fields = ("image",)
    extra = 0
    template = SORTABLE_STACKED_TEMPLATE


class PaperInline(EditorFieldsMixin, SortableInlineAdminMixin, admin.StackedInline):
    model = Paper
    fields = (
        "title",
        "authors",
        "arxiv_id",
        ("paper_url", "code_url", "demo_url"),
        "summary",
        "image",
    )
    markdown_fields = ("summary",)
    image_fields = ("image",)
    extra = 0
    template = SORTABLE_STACKED_TEMPLATE


@admin.register(Section)
class SectionAdmin(EditorFieldsMixin, SortableAdmin):
    list_display = ("title", "issue", "position")
    list_select_related = ("issue",)
    list_filter = ("issue__state",)
    search_fields = ("title", "intro", "issue__title")
    fields = ("issue_link", "title", "intro")
    readonly_fields = ("issue_link",)
    markdown_fields = ("intro",)
    inlines = [ItemInline, PaperInline]
    save_on_top = True

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description="Issue")
    def issue_link(self, section):
        url = reverse("admin:newsletter_issue_change", args=(section.issue_id,))
        return format_html('<a href="{}">{}</a>', url, section.issue)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("issue")

    def has_add_permission(self, request):
        # A section belongs to an issue: it is added from the issue's page.
        return False

    def has_change_permission(self, request, obj=None):
        issue = obj.issue if obj is not None else None
        return super().has_change_permission(request, obj) and is_editable(issue)

    def has_delete_permission(self, request, obj=None):
        issue = obj.issue if obj is not None else None
        return super().has_delete_permission(request, obj) and is_editable(issue)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Items and papers are part of the issue: an issue page opened before this save
        # is now stale, and saving it would overwrite these changes.
        touch_issue(form.instance.issue, by=request.user)
