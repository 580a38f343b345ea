"""The image chooser's endpoints: find, upload and describe pictures without leaving the page.

The issue page chooses an entry's picture, and places figures in any markdown field, in a
dialog on the page (no popup windows): it lists recent images (`choose`), uploads through
the one image pipeline with alt text required (`upload`), and edits a picture's alt text,
caption and credit (`describe`). Describing is optimistic-locked by a stamp of the words
the dialog was shown: a change made meanwhile by someone else is refused, not overwritten.
"""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from newsletter.content import images
from newsletter.models import Image

CHOICES = 48
WORDS = ("alt_text", "caption", "credit", "credit_url")


def stamp(image: Image) -> str:
    """A fingerprint of a picture's words: what the dialog was shown."""
    words = "\x1f".join(getattr(image, name) for name in WORDS)
    return hashlib.sha256(words.encode()).hexdigest()[:16]


def describe(image: Image) -> dict:
    return {
        "id": image.pk,
        "url": image.file.url,
        "src": image.url_at_least(960),
        "thumbnail": image.url_at_least(0),
        "width": image.width,
        "height": image.height,
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "credit_url": image.credit_url,
        "stamp": stamp(image),
    }


def _words(request) -> dict:
    return {name: request.POST.get(name, "").strip() for name in WORDS}


def _invalid(image: Image, words: dict) -> list[str]:
    for name, value in words.items():
        setattr(image, name, value)
    try:
        image.full_clean(exclude=["file", "width", "height", "sha256", "renditions"])
    except ValidationError as error:
        return [f"{Image._meta.get_field(k).verbose_name.capitalize()}: {m}"
                for k, ms in error.message_dict.items() for m in ms]  # fmt: skip
    return []


class ImageChooserMixin:
    """For ImageAdmin: the JSON endpoints the chooser dialog talks to."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("choose/", wrap(require_GET(self.choose_view)), name="newsletter_image_choose"),
            path("upload/", wrap(require_POST(self.upload_view)), name="newsletter_image_upload"),
            path(
                "<int:pk>/describe/",
                wrap(require_POST(self.describe_view)),
                name="newsletter_image_describe",
            ),
            *super().get_urls(),
        ]

    def choose_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = Image.objects.order_by("-created_at", "-id")
        query = request.GET.get("q", "").strip()[:100]
        if query:
            found = found.filter(
                Q(alt_text__icontains=query) | Q(caption__icontains=query)
                | Q(credit__icontains=query) | Q(file__icontains=query)
            )  # fmt: skip
        if request.GET.get("id", "").isdigit():
            found = found.filter(pk=int(request.GET["id"]))
        return JsonResponse({"images": [describe(image) for image in found[:CHOICES]]})

    def upload_view(self, request):
        if not self.has_add_permission(request):
            return JsonResponse({"errors": ["You may not upload pictures."]}, status=403)
        upload = request.FILES.get("file")
        words = _words(request)
        if upload is None:
            return JsonResponse({"errors": ["Choose a picture to upload."]}, status=400)
        if not words["alt_text"]:
            return JsonResponse(
                {"errors": ["Describe the picture for people who cannot see it (alt text)."]},
                status=400,
            )
        errors = _invalid(Image(), words)
        if errors:
            return JsonResponse({"errors": errors}, status=400)
        try:
            image, created = images.get_or_ingest(upload, uploaded_by=request.user, **words)
        except ValidationError as error:
            status = 503 if getattr(error, "code", None) == "storage_unavailable" else 400
            return JsonResponse({"errors": error.messages}, status=status)
        body = describe(image)
        if not created:
            body["notice"] = (
                "This picture had been uploaded before: here is the existing image, with its "
                "own alt text, caption and credit."
            )
        return JsonResponse(body, status=201 if created else 200)

    def describe_view(self, request, pk: int):
        if not self.has_change_permission(request):
            return JsonResponse({"errors": ["You may not change pictures."]}, status=403)
        with transaction.atomic():
            image = Image.objects.select_for_update().filter(pk=pk).first()
            if image is None:
                return JsonResponse({"errors": ["That picture no longer exists."]}, status=404)
            if request.POST.get("stamp") != stamp(image):
                return JsonResponse(
                    {
                        "errors": [
                            "Someone changed this picture's words while you were editing "
                            "them, so yours were not saved. They are still in the form; "
                            "the current words are shown beside them."
                        ],
                        "current": describe(image),
                    },
                    status=409,
                )
            errors = _invalid(image, _words(request))
            if errors:
                return JsonResponse({"errors": errors}, status=400)
            image.save(update_fields=list(WORDS))
        return JsonResponse(describe(image))
