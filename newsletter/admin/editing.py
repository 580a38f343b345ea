"""What every editing page of the working copy shares.

The working copy can be edited only in draft (`is_editable`); the workflow engine moves
an issue through review, so `state` is never a form field.
"""

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db import models

from newsletter.admin.widgets import ImageChooser, MarkdownEditor
from newsletter.models import STANDARD_SECTIONS, Issue, Section


def is_editable(issue: Issue | None) -> bool:
    """Whether the page may edit: any new issue, an existing one per `Issue.is_editable`."""
    return issue is None or issue.is_editable


def add_standard_sections(issue: Issue) -> list[Section]:
    """Give a new issue the sections every issue starts with, in their usual order."""
    return Section.objects.bulk_create(
        Section(issue=issue, title=title, position=position)
        for position, title in enumerate(STANDARD_SECTIONS, start=1)
    )


class EditorFieldsMixin:
    """Markdown fields get the live-preview editor, image fields the thumbnail picker."""

    markdown_fields: tuple[str, ...] = ()
    image_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "position":
            kwargs["widget"] = forms.HiddenInput  # set by dragging
        elif db_field.name in self.markdown_fields:
            kwargs["widget"] = MarkdownEditor
        elif db_field.name in self.image_fields:
            kwargs["widget"] = ImageChooser
        elif isinstance(db_field, models.URLField):
            kwargs["widget"] = forms.URLInput(attrs={"class": "vURLField"})
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.image_fields and isinstance(
            formfield.widget, RelatedFieldWidgetWrapper
        ):
            formfield.widget = formfield.widget.widget  # chosen in place, never in a popup
        return formfield


class ChosenImagesForm(forms.ModelForm):
    """Hands each image field's widget the image the instance already has (no query)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, ImageChooser):
                field.widget.chosen = getattr(self.instance, name, None)
