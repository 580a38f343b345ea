"""Admin widgets: the markdown editor with live preview, and an image picker with thumbnails."""

from django import forms
from django.utils.html import format_html
from markdownx.widgets import AdminMarkdownxWidget

THUMBNAIL_WIDTH = 120


def thumbnail_url(image) -> str:
    """The smallest rendition of an image, or the original file when it has none."""
    return image.url_at_least(0)


def thumbnail(image, *, width=THUMBNAIL_WIDTH):
    """An <img> of the image at thumbnail size, keeping its aspect ratio and alt text."""
    if image is None:
        return ""
    height = round(width * image.height / image.width) if image.width and image.height else None
    return format_html(
        '<img class="admin-thumbnail" src="{}" alt="{}" width="{}"{} loading="lazy">',
        thumbnail_url(image),
        image.alt_text,
        width,
        format_html(' height="{}"', height) if height else "",
    )


class MarkdownEditor(AdminMarkdownxWidget):
    """django-markdownx's admin editor, made to work in inline rows added with "Add another".

    Our script goes first: it has to mark the inline templates before markdownx wires up
    every editor on DOMContentLoaded, and it re-runs markdownx for rows added later.
    """

    @property
    def media(self):
        return (
            forms.Media(css={"all": ["css/admin.css"]}, js=["js/admin-markdownx.js"])
            + AdminMarkdownxWidget().media
        )


class ImageChooser(forms.HiddenInput):
    """An image field chosen in place: a thumbnail, and buttons that open the chooser dialog.

    The dialog (static/js/admin-figures.js) lists recent pictures, uploads a new one with
    its alt text, caption and credit, or edits the words of the chosen one; no popup
    windows. The form sets `chosen` to the image it already has, so a page of many
    entries shows their pictures without a query each.
    """

    template_name = "newsletter/admin/widgets/image_chooser.html"
    chosen = None

    @property
    def is_hidden(self):
        return False  # a visible field: its value is kept in a hidden input

    @property
    def media(self):
        return forms.Media(css={"all": ["css/admin.css"]}, js=["js/admin-figures.js"])

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        image = self.chosen
        if value and (image is None or str(image.pk) != str(value)):
            image = self._load(value)
        context["widget"]["image"] = image
        context["widget"]["thumbnail"] = thumbnail(image, width=160) if image else ""
        return context

    def _load(self, value):
        from newsletter.models import Image

        try:
            return Image.objects.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None
