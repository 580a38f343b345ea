"""The admin, where editors build an issue: sections, items and papers, with live preview.

The working copy can be edited only in draft (`is_editable`); the workflow engine moves
an issue through review, so `state` is never a form field here.
"""

import json

from adminsortable2.admin import SortableAdminBase, SortableInlineAdminMixin
from django import VERSION as DJANGO_VERSION
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from newsletter.email_views import EmailEditionAdminMixin
from newsletter.forms import ImageForm
from newsletter.models import STANDARD_SECTIONS, Image, Issue, Item, Paper, Revision, Section
from newsletter.widgets import ImagePickerWidget, MarkdownEditor, thumbnail, thumbnail_url

admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = f"{settings.SITE_NAME} admin"

# django-admin-sortable2 2.3.1 ships templates up to Django 6.0; stacked.html is unchanged
# in 6.1, so its 6.0 template (Django's plus the move-to-first/last buttons) fits.
SORTABLE_STACKED_TEMPLATE = "adminsortable2/edit_inline/stacked-django-6.0.html"


def is_editable(issue: Issue | None) -> bool:
    """Whether the page may edit: any new issue, an existing one per `Issue.is_editable`."""
    return issue is None or issue.is_editable


def add_standard_sections(issue: Issue) -> list[Section]:
    """Give a new issue the sections every issue starts with, in their usual order."""
    return Section.objects.bulk_create(
        Section(issue=issue, title=title, position=position)
        for position, title in enumerate(STANDARD_SECTIONS, start=1)
    )


def touch_issue(issue: Issue, *, by) -> None:
    """Record that part of the working copy changed: newer version, who, when."""
    Issue.objects.filter(pk=issue.pk).update(
        version=F("version") + 1, updated_by=by, updated_at=timezone.now()
    )


class EditorFieldsMixin:
    """Markdown fields get the live-preview editor, image fields the thumbnail picker."""

    markdown_fields: tuple[str, ...] = ()
    image_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.markdown_fields:
            kwargs["widget"] = MarkdownEditor
        elif db_field.name in self.image_fields:
            kwargs["widget"] = ImagePickerWidget(db_field.remote_field, self.admin_site)
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.image_fields and isinstance(
            formfield.widget, RelatedFieldWidgetWrapper
        ):
            # Keep "add another" (upload a new image from the picker); the label already
            # links to the chosen image, and the change/delete/view links only follow <select>s.
            wrapper = formfield.widget
            wrapper.can_change_related = False
            wrapper.can_delete_related = False
            wrapper.can_view_related = False
        return formfield


class SortableAdmin(SortableAdminBase, admin.ModelAdmin):
    """A parent of sortable inlines."""

    @property
    def media(self):
        media = super().media
        # adminsortable2 swaps actions.js for its patched copy for this Django version,
        # which 2.3.1 does not ship for 6.1: keep Django's own rather than a missing file
        # (a missing file is a 500 under the manifest storage).
        patched = "adminsortable2/js/actions-{}.{}.js".format(*DJANGO_VERSION[:2])
        js = list(media._js)
        if patched in js and not finders.find(patched):
            js[js.index(patched)] = "admin/js/actions.js"
            media = forms.Media(css=media._css, js=js)
        return media


# Issues -------------------------------------------------------------------------------


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


@admin.register(Issue)
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


# Sections -----------------------------------------------------------------------------


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


# Images -------------------------------------------------------------------------------


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ("list_thumbnail", "alt_text", "dimensions", "uploaded_by", "created_at")
    list_display_links = ("list_thumbnail", "alt_text")
    list_select_related = ("uploaded_by",)
    search_fields = ("alt_text", "caption", "credit")
    date_hierarchy = "created_at"
    readonly_fields = (
        "preview",
        "width",
        "height",
        "sha256",
        "rendition_list",
        "uploaded_by",
        "created_at",
    )

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_fields(self, request, obj=None):
        fields = ["file", "alt_text", "caption", "credit", "credit_url"]
        if obj is not None:
            fields = ["preview", *fields, "width", "height", "sha256", "rendition_list"]
            fields += ["uploaded_by", "created_at"]
        return fields

    def save_form(self, request, form, change):
        # A new upload is stored by the pipeline right here, and may turn out to be an
        # image uploaded before: the admin then carries on with that one.
        return form.save(commit=False, uploaded_by=request.user)

    def save_model(self, request, obj, form, change):
        if change:
            form.save()
        elif not form.created:
            messages.info(
                request,
                "This picture had been uploaded before, so here is the existing image; "
                "its alt text and caption were left as they were.",
            )

    @admin.display(description="Image")
    def list_thumbnail(self, image):
        return thumbnail(image, width=96)

    @admin.display(description="Preview")
    def preview(self, image):
        return thumbnail(image, width=480)

    @admin.display(description="Size", ordering="width")
    def dimensions(self, image):
        return f"{image.width} × {image.height}"

    @admin.display(description="Renditions")
    def rendition_list(self, image):
        if not image.renditions:
            return "None yet"
        items = format_html_join(
            "",
            '<li><a href="{}">{} × {}</a></li>',
            (
                (image.file.storage.url(r["name"]), r.get("width"), r.get("height"))
                for r in image.renditions
                if r.get("name")
            ),
        )
        return format_html('<ul class="rendition-list">{}</ul>', items)

    def get_urls(self):
        preview = path(
            "picker-preview/",
            self.admin_site.admin_view(self.picker_preview_view),
            name="newsletter_image_picker_preview",
        )
        return [preview, *super().get_urls()]

    def picker_preview_view(self, request):
        """What the image picker shows for the image it now points to (JSON)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            image = Image.objects.get(pk=request.GET.get("id"))
        except (Image.DoesNotExist, ValueError, TypeError, ValidationError) as error:
            raise Http404("No such image.") from error
        return JsonResponse(
            {
                "id": image.pk,
                "alt_text": image.alt_text,
                "thumbnail_url": thumbnail_url(image),
                "width": image.width,
                "height": image.height,
                "change_url": reverse("admin:newsletter_image_change", args=(image.pk,)),
            }
        )


# Revisions ----------------------------------------------------------------------------


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
