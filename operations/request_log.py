"""The request id, and one log line per request.

Every request gets an id: the caller's `X-Request-ID` when it is a sensible token (a
proxy or load balancer in front sets one, so its logs and ours name the same request),
otherwise a new random one. It is `request.request_id`, the `X-Request-ID` of the
response, shown on error pages, and on every log line written while the request runs.

When the response is ready, the logger `operations.request_log` writes one line: method,
path (without the query string, which may hold what someone searched for), status,
duration in milliseconds and the user's id when someone is logged in. Successful health
checks are left out: load balancers ask every few seconds.
"""

import logging
import random
import re
import time

from operations import logs

log = logging.getLogger(__name__)

HEADER = "X-Request-ID"
VALID_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
QUIET_PATHS = ("/healthz", "/readyz")


def request_id_from(request) -> str:
    """The caller's X-Request-ID if a plain token of at most 128 characters, else a new one."""
    given = request.headers.get(HEADER, "")
    if VALID_ID.fullmatch(given):
        return given
    # 32 random hex digits, as uuid4().hex gave, without a system call: os.urandom, under
    # both uuid4 and secrets.token_hex, was 8 to 9 % of the workers' samples serving the
    # cached RSS feed. An id names a request in the logs and is no secret (a caller may
    # send its own); random reseeds itself in a forked process, so workers do not repeat.
    return f"{random.getrandbits(128):032x}"  # noqa: S311


def _user_id(request):
    # Only a user the request already loaded: asking now would cost a query, or fail
    # when the database is what went wrong.
    user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    """Outermost middleware: gives the request its id, logs it once answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = request_id_from(request)
        token = logs.request_id.set(request.request_id)
        try:
            response = self.get_response(request)
            response[HEADER] = request.request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            if not (response.status_code == 200 and request.path_info in QUIET_PATHS):
                log.info(
                    "%s %s %s %.1fms",
                    request.method,
                    request.path,
                    response.status_code,
                    duration_ms,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                        "user_id": _user_id(request),
                        # replica or primary: where a public page was rendered from.
                        "read_from": getattr(request, "read_from", None),
                        # listener or query: how the publication state was known.
                        "state_from": getattr(request, "state_from", None),
                    },
                )
            return response
        finally:
            logs.request_id.reset(token)
