"""The issue page: the issue's own fields and its sections, with optimistic locking.

`IssueAdmin` is registered by the workflow app, which adds the workflow panel
(`editorial.admin.issues.WorkflowIssueAdmin`).
"""

from adminsortable2.admin import SortableInlineAdminMixin
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from newsletter.admin.editing import (
    SORTABLE_STACKED_TEMPLATE,
    EditorFieldsMixin,
    SortableAdmin,
    add_standard_sections,
    is_editable,
)
from newsletter.models import Issue, Section


class SectionInline(EditorFieldsMixin, SortableInlineAdminMixin, admin.StackedInline):
    model = Section
    fields = ("title", "intro")
    markdown_fields = ("intro",)
    extra = 0
    show_change_link = True
    template = SORTABLE_STACKED_TEMPLATE


class IssueForm(forms.ModelForm):
    """The issue form, with optimistic locking: saving over someone else's save is refused."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Issue
        fields = ("number", "title", "slug", "summary", "hero_image")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            # The admin runs the whole request in a transaction: the lock holds until saved.
            current = (
                Issue.objects.select_for_update(of=("self",))
                .select_related("updated_by")
                .only("version", "updated_at", "updated_by__username", "updated_by__first_name",
                      "updated_by__last_name")
                .get(pk=self.instance.pk)
            )  # fmt: skip
            if cleaned_data.get("base_version") != current.version:
                who = current.updated_by
                name = (who.get_full_name() or who.username) if who else "Someone else"
                when = timezone.localtime(current.updated_at)
                raise ValidationError(
                    "%(name)s changed this issue at %(time)s (%(zone)s) while you were editing "
                    "it, so your changes were not saved. They are still below: open the issue "
                    "in a new tab to see the current version, then copy your changes across.",
                    code="stale_version",
                    params={
                        "name": name,
                        "time": when.strftime("%H:%M:%S on %d %b %Y"),
                        "zone": when.tzname(),
                    },
                )
        return cleaned_data


class IssueAdmin(EditorFieldsMixin, SortableAdmin):
    form = IssueForm
    list_display = ("number", "title", "state", "updated_at", "updated_by")
    list_display_links = ("number", "title")
    list_filter = ("state",)
    list_select_related = ("updated_by",)
    search_fields = ("title", "slug", "summary")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("state", "version")
    markdown_fields = ("summary",)
    image_fields = ("hero_image",)
    inlines = [SectionInline]
    save_on_top = True

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_fields(self, request, obj=None):
        fields = ["number", "title", "slug", "summary", "hero_image", "state", "version"]
        if obj is not None and self.has_change_permission(request, obj):
            fields.append("base_version")
        return fields

    def get_changeform_initial_data(self, request):
        return {"number": Issue.next_number(), **super().get_changeform_initial_data(request)}

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and is_editable(obj)

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = F("version") + 1
        else:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if change:
            obj.refresh_from_db(fields=["version"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not form.instance.sections.exists():
            add_standard_sections(form.instance)
