"""The markdown editor's endpoints (live preview and drag-and-drop upload).

django-markdownx ships these open to anyone; ours require a staff login, CSRF and the
permission the work needs: previewing needs a right to edit issues, uploading
`newsletter.add_image`. The upload goes through the same image pipeline as the admin.
"""

import re

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.utils.html import escape
from django.views.decorators.http import require_POST

from newsletter.content import images
from newsletter.content.markdown import MarkdownRefused, render

EDITING = ("newsletter.change_issue", "newsletter.add_issue")


@require_POST
@staff_member_required
def markdownify(request):
    if not any(request.user.has_perm(perm) for perm in EDITING):
        # markdownx shows whatever comes back in the preview pane.
        return HttpResponseForbidden(
            '<p class="errornote">You do not have permission to edit issues, '
            "so there is no preview.</p>"
        )
    try:
        return HttpResponse(render(request.POST.get("content", "")))
    except MarkdownRefused as refusal:  # too long, or too deeply nested, to render
        return HttpResponseBadRequest(f'<p class="errornote">{escape(refusal)}</p>')


@require_POST
@staff_member_required
def upload(request):
    if not request.user.has_perm("newsletter.add_image"):
        return JsonResponse(
            {"image": ["You do not have permission to upload images: ask an editor to add it."]},
            status=403,
        )
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"image": ["Choose an image file to upload."]}, status=400)
    try:
        image = images.ingest(
            upload, alt_text=images.alt_text_from_filename(upload.name), uploaded_by=request.user
        )
    except ValidationError as error:
        # A storage that cannot take the file is the site's trouble, not the upload's.
        status = 503 if getattr(error, "code", None) == "storage_unavailable" else 400
        return JsonResponse({"image": error.messages}, status=status)
    # A reused image keeps the alt text typed in the admin, which may hold brackets.
    alt = re.sub(r"([\\\[\]])", r"\\\1", image.alt_text)
    return JsonResponse({"image_code": f"![{alt}]({image.file.url})"})
