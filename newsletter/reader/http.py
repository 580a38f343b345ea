"""HTTP caching of public responses: revalidated by browsers, never kept past the next change.

Revisions are immutable, so what a public URL shows changes only when some revision goes
live or ends. Every public view ends with `public_until_next_change`:

- `Cache-Control: public, max-age=0, must-revalidate, s-maxage=N`. Browsers revalidate on
  every load (a reader reloading after "publish now" sees it at once); shared caches (a
  CDN, a proxy) keep the page at most N seconds: until the next scheduled go-live or end,
  and never more than five minutes, so a scheduled issue appears on time behind them too.
- The response is marked for the whole-response cache (`newsletter/reader/cache.py`),
  which adds a strong `ETag` (a hash of the body) and `Last-Modified` and answers a
  matching `If-None-Match` with 304.
"""

import hashlib
from datetime import datetime

from django.http import HttpResponse
from django.utils.http import http_date

from newsletter.models import Revision

S_MAXAGE = 300  # the longest a shared cache keeps a page
MAX_AGE = 300  # responses that do not depend on what is published (robots.txt, the search form)

# `response.public_cache`: how the whole-response cache may keep it.
UNTIL_NEXT_CHANGE = "until-next-change"  # depends on what is live: Cache-Control per state
ALWAYS = "always"  # does not depend on what is published: Cache-Control as the view set it


def s_maxage(at: datetime, change: datetime | None) -> int:
    """Seconds from `at` to the next change, at most S_MAXAGE."""
    if change is None:
        return S_MAXAGE
    return max(0, min(S_MAXAGE, int((change - at).total_seconds())))


def cache_control_until(at: datetime, change: datetime | None) -> str:
    return f"public, max-age=0, must-revalidate, s-maxage={s_maxage(at, change)}"


def public_until_next_change(response: HttpResponse, *, at: datetime, rows=()) -> HttpResponse:
    """Let anyone cache `response`, built from what was live at `at`, until the next change.

    `rows` are what the response was built from, read through `Revision.objects.live_issues`
    (or search), so each carries `next_change`: then the moment costs no query. A response
    that read no row (an empty archive, a 404 page of results) asks in one query.
    """
    change = rows[0].next_change if rows else Revision.objects.next_change_after(at)
    response["Cache-Control"] = cache_control_until(at, change)
    response.public_cache = UNTIL_NEXT_CHANGE
    return response


def public(response: HttpResponse) -> HttpResponse:
    """Let anyone cache a response that does not depend on what is published."""
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.public_cache = ALWAYS
    return response


def etag(content: bytes) -> str:
    """A strong validator: the same bytes, the same tag."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def add_validators(response: HttpResponse, last_modified: datetime | None) -> None:
    """A strong ETag, and Last-Modified unless the view set its own (the feeds do)."""
    response["ETag"] = etag(response.content)
    if last_modified is not None and not response.has_header("Last-Modified"):
        response["Last-Modified"] = http_date(last_modified.timestamp())


def none_match(request, tag: str) -> bool:
    """True when the request's If-None-Match names `tag` (or is `*`): answer 304.

    If-Modified-Since alone is not answered with 304: HTTP dates have whole seconds, and
    two changes within one second would look alike. The ETag tells them apart.
    """
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    given = {part.strip().removeprefix("W/") for part in header.split(",")}
    return tag in given


# Headers a 304 repeats (RFC 9110 15.4.5), so caches can update what they keep.
NOT_MODIFIED_HEADERS = ("Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary")


def not_modified(response: HttpResponse) -> HttpResponse:
    answer = HttpResponse(status=304)
    for header in (*NOT_MODIFIED_HEADERS, "Last-Modified"):
        if response.has_header(header):
            answer[header] = response[header]
    return answer
