"""Forms over the content models; uploads go through the one image pipeline."""

from django import forms

from newsletter.admin.image_chooser import stamp
from newsletter.content import images
from newsletter.models import Image

ACCEPT = "image/jpeg,image/png,image/gif,image/webp"


class PictureField(forms.FileField):
    """The picture's file field. Disabled (an existing Image), it cleans to None, which
    leaves the stored file as it is without reading it: Django's FileField would ask the
    storage for its size, and setting it again would read its dimensions, both failing
    when the file has gone missing, and the words around a picture must stay editable."""

    def clean(self, data, initial=None):
        if self.disabled:
            return None
        return super().clean(data, initial)


class ImageForm(forms.ModelForm):
    """Upload a picture (admin), or edit the words around one already uploaded.

    A new upload is checked in `clean_file` and stored through `newsletter.images.ingest`
    in `clean()`, so a refused file, or one the storage could not take, is an error on
    the field: the Image exists once the form is valid (the pipeline saves to find
    duplicates), and `save()` returns it, even with commit=False.
    Uploading bytes that were uploaded before returns the existing Image, untouched;
    `self.created` then says False.

    Say who uploads with `form.save(uploaded_by=user)` or by setting `form.uploaded_by`
    before the admin calls `save()`.

    The picture of an existing Image cannot be replaced: revisions that show it keep
    pointing at it, and its sha256 names those bytes. The file field is disabled when
    editing; to use another picture, upload a new image.
    """

    file = PictureField(
        label="Picture",
        help_text="JPEG, PNG, GIF or WebP. Location and camera details are removed.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    # The words as the form was shown: a save over someone else's change is refused.
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Image
        fields = ["file", "alt_text", "caption", "credit", "credit_url"]

    def __init__(self, *args, uploaded_by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploaded_by = uploaded_by
        self.created = None
        self.stored = False  # a new upload stored by clean()
        if self.instance.pk:
            self.fields["stamp"].initial = stamp(self.instance)
            self.fields["file"].disabled = True
            self.fields["file"].required = False
            self.fields[
                "file"
            ].help_text = (
                "A published picture cannot be swapped; to use another one, upload a new image."
            )

    def clean(self):
        cleaned_data = super().clean()
        given = cleaned_data.get("stamp")
        if self.instance.pk and given:  # the admin page always sends it; scripts may not
            current = Image.objects.select_for_update().get(pk=self.instance.pk)
            if given != stamp(current):
                raise forms.ValidationError(
                    "Someone changed this picture's words while you were editing them, so "
                    "your changes were not saved. They are still below; the current words "
                    "are: alt text “%(alt)s”, caption “%(caption)s”, credit “%(credit)s”.",
                    code="stale_version",
                    params={"alt": current.alt_text, "caption": current.caption,
                            "credit": current.credit},
                )  # fmt: skip
        if not self.instance.pk and not self.errors and cleaned_data.get("file"):
            self._store(cleaned_data)
        return cleaned_data

    def _store(self, data) -> None:
        """Store a new upload while validating, so that a failure to store it (a full
        disk) is an error on the field, shown with everything typed kept, not a crash."""
        try:
            self.instance, self.created = images.get_or_ingest(
                data["file"],
                alt_text=data["alt_text"],
                caption=data.get("caption", ""),
                credit=data.get("credit", ""),
                credit_url=data.get("credit_url", ""),
                uploaded_by=self.uploaded_by,
            )
        except images.ImageRejected as refusal:
            self.add_error("file", refusal)
        else:
            self.stored = True

    def _post_clean(self):
        if self.stored:
            # The pipeline made (or found) the instance: the form's values must not be
            # copied over it (nor the uploaded file over the stored one).
            return
        super()._post_clean()

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if self.instance.pk or not file:
            return file
        images.validate(file)  # ImageRejected is a ValidationError: a field error
        return file

    def save(self, commit=True, *, uploaded_by=None):
        if self.errors:
            raise ValueError("The image could not be saved because the form has errors.")
        self.save_m2m = lambda: None  # an Image has no many-to-many fields of its own
        if self.stored:
            # A new upload, stored by clean(); the uploader may only be known now.
            uploader = uploaded_by or self.uploaded_by
            if self.created and uploader and self.instance.uploaded_by_id is None:
                self.instance.uploaded_by = uploader
                self.instance.save(update_fields=["uploaded_by"])
            return self.instance
        self.created = False
        if commit:
            self.instance.save(update_fields=["alt_text", "caption", "credit", "credit_url"])
        return self.instance
