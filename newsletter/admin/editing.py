"""What every editing page of the working copy shares.

The working copy can be edited only in draft (`is_editable`); the workflow engine moves
an issue through review, so `state` is never a form field.
"""

from adminsortable2.admin import SortableAdminBase
from django import VERSION as DJANGO_VERSION
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.staticfiles import finders
from django.db.models import F
from django.utils import timezone

from newsletter.admin.widgets import ImagePickerWidget, MarkdownEditor
from newsletter.models import STANDARD_SECTIONS, Issue, Section

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
