"""Error pages: 500, or 503 when what failed is the database.

Django calls `server_error` from inside the handling of an uncaught exception, so the
exception is at hand. A database that cannot be reached (a connection refused, dropped
or closed) is not a bug in a page: readers get a 503 in the site's look saying to come
back shortly, the admin a 503 saying the database is unreachable, both with
`Retry-After`. Persistent connections are health-checked before reuse
(CONN_HEALTH_CHECKS), so the first request after the database is back succeeds.

The templates use nothing that needs the database (no user, no session), and every
error page shows the request's id, to quote when reporting it.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseServerError
from django.template import loader

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
ADMIN_PREFIX = "/admin/"


def database_unreachable(exc: BaseException | None) -> bool:
    """True for an error that means the database could not be reached or dropped us."""
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _render(name: str, request, status: int):
    context = {"request_id": getattr(request, "request_id", "")}
    html = loader.get_template(name).render(context, request)
    response = HttpResponseServerError(html)
    response.status_code = status
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: a 503 when the database is unreachable, otherwise a plain 500 page."""
    if database_unreachable(sys.exc_info()[1]):
        admin = request.path_info.startswith(ADMIN_PREFIX)
        template = "admin/database_unavailable.html" if admin else "503.html"
        try:
            response = _render(template, request, 503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        except Exception:
            log.exception("The 503 page could not be rendered.")
    try:
        return _render("500.html", request, 500)
    except Exception:
        log.exception("The 500 page could not be rendered.")
        return HttpResponseServerError(
            b"<!DOCTYPE html><title>Server error</title><h1>Server error</h1>",
            content_type="text/html",
        )
