"""The image library: upload through the pipeline, edit the words around a picture."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from newsletter.admin.forms import ImageForm
from newsletter.admin.image_chooser import ImageChooserMixin
from newsletter.admin.widgets import thumbnail
from newsletter.models import Image


@admin.register(Image)
class ImageAdmin(ImageChooserMixin, admin.ModelAdmin):
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
            fields += ["uploaded_by", "created_at", "stamp"]
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
            return "Not made yet: a worker makes them, the issue's submit at the latest."
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
