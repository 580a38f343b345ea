"""/favicon.ico: browsers ask for it at the root whatever the pages link to.

Pages link to the SVG icon (`static/favicon.svg`); `static/favicon.ico` is the same
picture as an ICO (16, 32 and 48 pixels, rendered from the SVG), for browsers and tools
that take only the root address or only ICO. It is served from here, not redirected, so
that the request costs no second round trip.
"""

from functools import cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.views.decorators.http import require_safe

NAME = "favicon.ico"
ONE_WEEK = 7 * 24 * 60 * 60


@cache
def _icon() -> bytes:
    found = finders.find(NAME)
    if found:
        with open(found, "rb") as file:
            return file.read()
    with staticfiles_storage.open(NAME) as file:  # collected, with no source tree beside
        return file.read()


@require_safe
def favicon_ico(request):
    response = HttpResponse(_icon(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = f"public, max-age={ONE_WEEK}"
    return response
