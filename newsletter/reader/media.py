"""Uploads served by the site itself (DJANGO_SERVE_MEDIA: development and a single host).

Readers get a picture only while a live revision shows it: the original or a rendition of
an Image that a live revision lists among its images (RevisionImage). Anything else, a
draft's picture, a scheduled issue's, one of an issue taken down, a deleted one, a file
that belongs to no Image, is a 404 to them, the same 404 as a name that never existed.
Staff see every stored picture, as editors' previews need.

Files are read through the storage API, so this works whatever the storage is. Each
response names an image type from the file's extension (the pipeline names files after
the detected format) and carries the site's headers, `nosniff` among them; a file whose
extension is not an image's is never served. Public pictures may be cached for a while;
staff-only ones are private.
"""

import posixpath

from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from newsletter.models import Image, Revision

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
PUBLIC_MAX_AGE = 300


def _of_an_image(name: str) -> Q:
    return Q(file=name) | Q(renditions__contains=[{"name": name}])


def shown_publicly(name: str) -> bool:
    """True while a live revision shows the picture stored as `name` (one query)."""
    return (
        Image.objects.filter(_of_an_image(name))
        .filter(revisions__in=Revision.objects.live().values("pk"))
        .exists()
    )


@require_safe
def serve(request, path: str):
    name = posixpath.normpath(path).lstrip("/")
    content_type = CONTENT_TYPES.get(posixpath.splitext(name)[1].lower())
    if content_type is None or name != path or name.startswith("."):
        raise Http404("No such picture.")
    user = getattr(request, "user", None)
    staff = bool(user and user.is_active and user.is_staff)
    public = shown_publicly(name)
    if not (public or staff):
        raise Http404("No such picture.")
    try:
        stored = Image._meta.get_field("file").storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as missing:
        raise Http404("No such picture.") from missing
    response = FileResponse(stored, content_type=content_type)
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response
