"""Admin widgets: the markdown editor with live preview, and an image picker with thumbnails."""

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
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


class ImagePickerWidget(ForeignKeyRawIdWidget):
    """A raw-id lookup that shows a thumbnail and the alt text of the chosen image.

    Picking another image (lookup popup, "add another" upload, or typing an id) refreshes
    the thumbnail through ImageAdmin's picker-preview endpoint.
    """

    def __init__(self, rel, admin_site, attrs=None, using=None):
        attrs = {"class": "vForeignKeyRawIdAdminField image-picker", **(attrs or {})}
        super().__init__(rel, admin_site, attrs=attrs, using=using)

    @property
    def media(self):
        jquery = "jquery.js" if settings.DEBUG else "jquery.min.js"
        return forms.Media(
            css={"all": ["css/admin.css"]},
            js=[
                f"admin/js/vendor/jquery/{jquery}",
                "admin/js/jquery.init.js",
                "js/admin-image-picker.js",
            ],
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        try:
            preview_url = reverse(f"{self.admin_site.name}:newsletter_image_picker_preview")
        except NoReverseMatch:
            preview_url = ""
        context["widget"]["attrs"]["data-preview-url"] = preview_url
        return context

    def label_and_url_for_value(self, value):
        try:
            image = self.rel.model._default_manager.using(self.db).get(pk=value)
        except (ValueError, TypeError, ValidationError, self.rel.model.DoesNotExist):
            return "", ""
        try:
            url = reverse(f"{self.admin_site.name}:newsletter_image_change", args=(image.pk,))
        except NoReverseMatch:
            url = ""
        # The label is rendered inside the link to the image's change page.
        label = format_html(
            '<span class="image-picker-preview">{}<span class="image-picker-alt">{}</span></span>',
            thumbnail(image),
            Truncator(image.alt_text).words(14),
        )
        return label, url
