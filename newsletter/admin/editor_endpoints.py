"""The markdown editor's endpoints (live preview and drag-and-drop upload).

django-markdownx ships these open to anyone; ours require a staff login and CSRF, and
the upload goes through the same image pipeline as the admin.
"""

import re

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from newsletter.content import images
from newsletter.content.markdown import render


@require_POST
@staff_member_required
def markdownify(request):
    return HttpResponse(render(request.POST.get("content", "")))


@require_POST
@staff_member_required
def upload(request):
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"image": ["Choose an image file to upload."]}, status=400)
    try:
        image = images.ingest(
            upload, alt_text=images.alt_text_from_filename(upload.name), uploaded_by=request.user
        )
    except ValidationError as error:
        return JsonResponse({"image": error.messages}, status=400)
    # A reused image keeps the alt text typed in the admin, which may hold brackets.
    alt = re.sub(r"([\\\[\]])", r"\\\1", image.alt_text)
    return JsonResponse({"image_code": f"![{alt}]({image.file.url})"})
