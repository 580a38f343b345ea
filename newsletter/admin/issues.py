"""The issue composer: the whole issue on one page, with optimistic locking.

The issue's fields, every section, and every item and paper in it are one form
(django-nested-admin's nested inlines), saved in one transaction under one version
check: drag an entry to another section, reorder, add, remove, and either everything is
saved or, when someone else saved first, nothing is and the input is shown again.

`IssueAdmin` is registered by the workflow app, which adds the workflow panel
(`editorial.admin.issues.WorkflowIssueAdmin`).
"""

import nested_admin
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from newsletter.admin.composer import ComposerMixin
from newsletter.admin.editing import (
    ChosenImagesForm,
    EditorFieldsMixin,
    add_standard_sections,
    is_editable,
)
from newsletter.models import Issue, Item, Paper, Revision, Section
from newsletter.models.revisions import number_refusal


class PrefetchedFormSet(nested_admin.formsets.NestedInlineFormSet):
    """Show the rows the parent prefetched, so 60 entries cost no query each."""

    def get_queryset(self):
        cache = getattr(self.instance, "_prefetched_objects_cache", {})
        name = self.fk.remote_field.get_accessor_name()
        if not self.data and name in cache:
            return list(cache[name])
        return super().get_queryset()


class EntryForm(ChosenImagesForm):
    """A section, item or paper. A new one holding nothing but the position the page gave it
    when "Add another" was clicked is no entry yet: not saved, and not checked, so an
    autosave while it is still blank saves the rest of the page instead of refusing it for
    the blank form's missing title. Whatever is typed in it makes it an entry."""

    @cached_property
    def changed_data(self):
        changed = super().changed_data
        if self.instance._state.adding:
            return [name for name in changed if name != "position"]
        return changed


class EntryInline(EditorFieldsMixin, nested_admin.NestedStackedInline):
    form = EntryForm
    formset = PrefetchedFormSet
    sortable_field_name = "position"
    extra = 0

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _editable(obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and _editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _editable(obj)


def _refusal(form, context) -> str:
    """'conflict' when the save was refused as stale, 'errors' for any other refusal."""
    if form is None or not (form.errors or context.get("errors")):
        return ""
    stale = any(e.code == "stale_version" for e in form.non_field_errors().as_data())
    return "conflict" if stale else "errors"


def _editable(obj) -> bool:
    """Whether the issue that `obj` (an issue or a section) belongs to may be edited."""
    if obj is None:
        return True
    issue = obj if isinstance(obj, Issue) else getattr(obj, "issue", None)
    return is_editable(issue)


class ItemInline(EntryInline):
    model = Item
    fields = ("title", "url", "source", "body", "image", "position")
    markdown_fields = ("body",)
    image_fields = ("image",)


class PaperInline(EntryInline):
    model = Paper
    fields = (
        "title",
        "authors",
        "arxiv_id",
        ("paper_url", "code_url", "demo_url"),
        "summary",
        "image",
        "position",
    )
    markdown_fields = ("summary",)
    image_fields = ("image",)


class SectionInline(EntryInline):
    model = Section
    fields = ("title", "intro", "position")
    markdown_fields = ("intro",)
    inlines = [ItemInline, PaperInline]

    def get_queryset(self, request):
        entries = {
            "items": Item.objects.select_related("image"),
            "papers": Paper.objects.select_related("image"),
        }
        return (
            super()
            .get_queryset(request)
            .prefetch_related(*(Prefetch(name, queryset=qs) for name, qs in entries.items()))
        )


class IssueForm(ChosenImagesForm):
    """The issue form, with optimistic locking: saving over someone else's save is refused."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Issue
        fields = ("number", "title", "slug", "summary", "hero_image")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean_number(self):
        # A published number belongs to its issue for good (the database holds to it too).
        number = self.cleaned_data["number"]
        refusal = number_refusal(number, self.instance)
        if refusal:
            raise ValidationError(refusal, code="number_published")
        return number

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


class IssueAdmin(ComposerMixin, EditorFieldsMixin, nested_admin.NestedModelAdmin):
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
        css = {"all": ["css/admin.css", "css/composer.css"]}
        js = ["js/admin-composer.js"]

    def get_queryset(self, request):
        # The list shows who saved each issue, the change page its hero: no query a row.
        return super().get_queryset(request).select_related("hero_image", "updated_by")

    def get_fields(self, request, obj=None):
        fields = ["number", "title", "slug", "summary", "hero_image", "state", "version"]
        if obj is not None and self.has_change_permission(request, obj):
            fields.append("base_version")
        return fields

    def view_on_site(self, issue):
        """The issue's public page, only while it has one: a draft's would be a 404."""
        live = Revision.objects.live().filter(issue=issue).only("issue_number", "snapshot").first()
        return live.get_absolute_url() if live else None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context.get("adminform") and context["adminform"].form
        if obj is not None and obj.pk and form is not None and form.errors:
            # A refused save: the heading names the issue as saved, not as typed.
            context["original"] = saved = Issue.objects.get(pk=obj.pk)
            context["subtitle"] = str(saved)
        existing = bool(obj is not None and obj.pk)
        context["composer"] = {
            # A save refused (errors, or someone else saved first): the page says it is not
            # saved, and leaving it asks first, as for anything typed and not yet saved.
            "refused": _refusal(form, context),
            "preview_url": existing
            and reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_preview", args=(obj.pk,)
            ),
            "autosave": existing and self.has_change_permission(request, obj),
            "saved_at": existing and timezone.localtime(obj.updated_at).strftime("%H:%M:%S"),
            "choose_url": reverse("admin:newsletter_image_choose"),
            "upload_url": reverse("admin:newsletter_image_upload"),
            "describe_url": reverse("admin:newsletter_image_describe", args=(0,)),
        }
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

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
