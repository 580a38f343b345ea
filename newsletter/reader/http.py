"""HTTP caching of public responses: every cache revalidates, and no header tells the schedule.

Revisions are immutable, so what a public URL shows changes only when some revision goes
live or ends. Every public view ends with `public_until_next_change`:

- `Cache-Control: public, max-age=0, s-maxage=0, must-revalidate`, the same on every
  response whatever is scheduled. Browsers and shared caches (a CDN, a proxy) may store
  the page but ask again before each reuse, with its strong ETag: the answer is a 304
  without a body until the page changes, so no cache serves a page past a publish, a
  scheduled go-live, a correction or an end. A countdown to the next change (`s-maxage=N`,
  `Expires`) would let anyone reading headers learn the second of a coming publish; the
  whole-response cache (`newsletter/reader/cache.py`) already makes a revalidation cost one
  small query.
- The response is marked for the whole-response cache, which adds a strong `ETag` (a hash
  of the body) and `Last-Modified` and answers a matching `If-None-Match` with 304.
"""

import hashlib
from datetime import datetime

from django.http import HttpResponse
from django.utils.http import http_date

# Pages, feeds, the sitemap, search and the API: revalidated on every reuse, by everyone.
PUBLISHED_CACHE_CONTROL = "public, max-age=0, s-maxage=0, must-revalidate"
MAX_AGE = 300  # responses that do not depend on what is published (robots.txt, the search form)

# `response.public_cache`: how the whole-response cache may keep it.
UNTIL_NEXT_CHANGE = "until-next-change"  # depends on what is live: kept per publication state
ALWAYS = "always"  # does not depend on what is published


def public_until_next_change(response: HttpResponse) -> HttpResponse:
    """Let anyone cache `response`, built from what is live, revalidating before each reuse.

    Nothing in its headers depends on when the next change is scheduled.
    """
    response["Cache-Control"] = PUBLISHED_CACHE_CONTROL
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
