"""The whole-response cache: public pages served as stored bytes, never stale.

What a public URL shows depends only on the publication state (`current_state`: a
generation the database bumps in the transaction of every change of a revision's
interval, and the next scheduled boundary). Responses are stored under the URL *and*
that state, so a publish, a schedule, an unpublish or the clock reaching a scheduled
second simply makes every request look under a new key: nothing is ever invalidated.
Each process keeps the state in memory, told of every change by PostgreSQL
(`live_state.py`), so a hit costs no query; when that is not certain, one small query.

Who gets stored bytes: GET and HEAD of public paths (not the admin, previews, share
links, static files or uploads), from a request carrying none of the cookies that mean
someone has used the admin or could be shown something personal: the session cookie (a
logged-in editor always has it), the CSRF cookie (set only by admin forms; public pages
never set one) and the messages cookie. Everyone else's requests go to the view.

What is stored: a 200 or 301 the view marked public (`newsletter.reader.http`), that
sets no cookie, varies on nothing but Cookie, and was built before the state's next
boundary; for an address with a query (a search), only once it is asked a second time
(`admission.py`), so queries asked once do not fill the cache. `caches["default"]`
holds it: local memory per process, or Redis shared by every process when REDIS_URL is
set.

Every marked 200 gets a strong ETag and Last-Modified; a matching If-None-Match is
answered 304, from the cache without running the view. Text is stored compressed too
(Brotli and gzip, `compression.py`), once, and served in the encoding the request
accepts, each encoding with its own ETag.

When the publication state cannot be read (the database is down or dropped the
connection), the bytes stored under the last state this process read are still served,
marked `X-Cache: stale`, for PUBLIC_CACHE_STALE_IF_ERROR seconds (300 by default) after
that state was last confirmed, and never past its next boundary (a scheduled publish or
end is not overrun). A URL with nothing stored gets the 503 page (operations.errors).

A page not in the cache is rendered from the PostgreSQL replica when there is one and it
has replayed at least the primary's state, else from the primary (`replica.py`): the
response says which in `X-Read-From`.

The key also holds a digest of the code, templates and site settings (`release()`), so a
deploy never serves bytes an older release stored in a shared Redis. Restoring an older
database backup turns the generation back: clear the cache then.
"""

import functools
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone

from newsletter.models.publication import State, current_state
from newsletter.reader import admission, compression, flights, http, live_state, replica

log = logging.getLogger(__name__)

CACHE_ALIAS = "default"
KEY_PREFIX = "public-response:v3"
IDENTITY = "identity"
STORED_STATUSES = (200, 301)
LONGEST_KEPT = 24 * 60 * 60  # an entry is unreachable after its state anyway
LARGEST_STORED = 2 * 1024 * 1024
PRIVATE_PATHS = ("/admin/", "/preview/")
PERSONAL_COOKIES = ("messages",)
PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}
_COMMA = re.compile(r"\s*,\s*")

# The last publication state this process read, and when: (State, datetime) or None.
_last_known: tuple[State, object] | None = None


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    # (encoding, compressed content); None when not compressed beforehand (an entry only
    # handed to requests waiting for its build, not stored: each is compressed as asked).
    encoded: tuple[tuple[str, bytes], ...] | None = ()

    def encodings(self) -> dict[str, bytes] | None:
        return None if self.encoded is None else dict(self.encoded)

    def response(self) -> HttpResponse:
        # The headers as the view set them: none depends on the time of the hit.
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response[name] = value
        return response

    def served(self, encoding: str | None) -> "Entry":
        """This entry as a request preferring `encoding` is served it: the body and headers
        ready to send (Content-Encoding, its ETag, Vary), nothing else. What is stored, one
        per encoding, so a hit reads only the bytes it sends: unpickling the feed's entry
        with every encoding (650 KB) was a tenth of a worker's time serving it."""
        response = compression.encode_as(self.response(), encoding, self.encodings())
        return Entry(
            status=response.status_code,
            headers=tuple(response.items()),
            content=response.content,
        )


def _personal_cookies() -> tuple[str, ...]:
    return (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, *PERSONAL_COOKIES)


def is_public_request(request) -> bool:
    """A request the cache may answer: anonymous GET/HEAD of a public path."""
    if request.method not in ("GET", "HEAD"):
        return False
    path = request.path_info
    private = (*PRIVATE_PATHS, settings.STATIC_URL, settings.MEDIA_URL)
    if path.startswith(private):
        return False
    if "Authorization" in request.headers:
        return False
    return not any(name in request.COOKIES for name in _personal_cookies())


def _directives(response) -> set[str]:
    return {
        part.split("=", 1)[0].strip().lower()
        for part in _COMMA.split(response.get("Cache-Control", ""))
        if part.strip()
    }


def is_marked_public(response) -> bool:
    """Marked by `http.public_until_next_change` or `http.public`, and still public."""
    if getattr(response, "public_cache", None) not in (http.UNTIL_NEXT_CHANGE, http.ALWAYS):
        return False
    if response.streaming or response.cookies:
        return False
    directives = _directives(response)
    return "public" in directives and not directives & PRIVATE_DIRECTIVES


def _varies_only_on_cookie(response) -> bool:
    varies = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return varies <= {"cookie"}


@functools.cache
def release() -> str:
    """What else shapes the bytes: the code, the templates, the static manifest, the site's
    settings. A deploy that changes any of them starts afresh, even on a shared Redis."""
    digest = hashlib.sha256()
    for name in ("SITE_URL", "SITE_NAME", "TIME_ZONE", "DEBUG", "STATIC_URL", "MEDIA_URL"):
        digest.update(f"{name}={getattr(settings, name, '')}\n".encode())
    base = Path(settings.BASE_DIR)
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [
        *sorted((base / "newsletter").rglob("*.py")),
        *sorted((base / "templates").rglob("*")),
        manifest,
    ]
    for source in sources:
        if source.is_file():
            digest.update(
                str(source.relative_to(base) if source.is_relative_to(base) else source).encode()
            )
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(request, state: State) -> str:
    """The URL as asked (scheme, host, path and query: feeds and the API print absolute
    URLs built from the request), the release and the publication state."""
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"{KEY_PREFIX}:{release()}:{state.key()}:{digest}"


def served_key(key: str, encoding: str | None) -> str:
    """Where the bytes of `key` served in `encoding` (None: identity) are stored."""
    return f"{key}:{encoding or IDENTITY}"


def _remember(state: State, confirmed_at) -> None:
    global _last_known
    _last_known = (state, confirmed_at)


def _timeout(state: State) -> int:
    if state.next_boundary is None:
        return LONGEST_KEPT
    seconds = (state.next_boundary - timezone.now()).total_seconds()
    return max(1, min(LONGEST_KEPT, int(seconds) + 1))


class PublicResponseCacheMiddleware:
    """Serve public pages from the whole-response cache; place it right after WhiteNoise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_public_request(request):
            return self._validated(request, self.get_response(request))

        now = timezone.now()
        known = live_state.known(now)  # no query while this process's listener is sure
        if known is not None:
            request.state_from = "listener"  # for the request log
            state, confirmed_when = known
            _remember(state, confirmed_when)
        else:
            request.state_from = "query"
            try:
                state = current_state(now)
            except DatabaseError:
                stale = self._stale(request)
                if stale is None:
                    raise
                return stale
            _remember(state, now)
        key = cache_key(request, state)
        served = self._get(served_key(key, compression.preferred(request)))
        if served is not None:
            response = served.response()
            response["X-Cache"] = "hit"
            return self._answer(request, response)

        if request.method != "GET":  # a HEAD is never stored: it has nothing to share
            return self._build(request, key, state)[0]
        flight, leading = flights.join(key)  # one build of a key at a time (flights.py)
        if not leading:
            entry = flight.wait()
            if entry is not None:
                response = entry.response()
                response["X-Cache"] = "shared"
                encoded = entry.encodings()
                return self._answer(request, compression.encode(request, response, encoded))
            return self._build(request, key, state)[0]
        entry = None
        try:
            response, entry = self._build(request, key, state)
        finally:
            flights.land(key, flight, entry)
        return response

    def _build(self, request, key: str, state: State) -> tuple[HttpResponse, Entry | None]:
        """The view's response, stored when it may be; and the entry it made, if any."""
        # From the replica only when it has replayed this state (newsletter/reader/replica.py).
        with replica.public_reads(state.generation) as source:
            response = self.get_response(request)
        if source == "replica" and response.status_code >= 500 and replica.failed_during_render():
            log.warning("A query on the replica failed; rendering from the primary.")
            with replica.primary_reads() as source:
                response = self.get_response(request)
        if source is not None:
            request.read_from = source  # for the request log; the header is added below
        if not is_marked_public(response):
            if source is not None:
                response[replica.HEADER] = source
            return response, None
        entry = None
        if response.status_code == 200:
            http.add_validators(response, state.last_boundary or timezone.now())
        if (
            request.method == "GET"
            and response.status_code in STORED_STATUSES
            and _varies_only_on_cookie(response)
            and len(response.content) <= LARGEST_STORED
            # Built after the boundary passed: it belongs to the next state, not this one.
            and state.holds_at(timezone.now())
        ):
            stored = admission.worth_storing(request)
            # Compressed in every encoding only when stored; else only as each request asks.
            entry = _entry(response, compressed=stored)
            if stored:
                self._set(key, entry, state)
        response["X-Cache"] = "miss"
        if source is not None:
            response[replica.HEADER] = source
        encoded = entry.encodings() if entry is not None else None
        return self._answer(request, compression.encode(request, response, encoded)), entry

    def _stale(self, request) -> HttpResponse | None:
        """The bytes stored under the last known state, while that state may still hold."""
        if _last_known is None:
            return None
        state, confirmed_at = _last_known
        now = timezone.now()
        window = getattr(settings, "PUBLIC_CACHE_STALE_IF_ERROR", 300)
        if (now - confirmed_at).total_seconds() > window or not state.holds_at(now):
            return None
        served = self._get(served_key(cache_key(request, state), compression.preferred(request)))
        if served is None:
            return None
        log.warning("The publication state could not be read; serving stored bytes.")
        response = served.response()
        response["X-Cache"] = "stale"
        return self._answer(request, response)

    def _validated(self, request, response):
        """A response to someone the cache does not serve: still an ETag, still a 304."""
        if response.status_code != 200 or not is_marked_public(response):
            return response
        now = timezone.now()
        known = live_state.known(now)
        state = known[0] if known is not None else current_state(now)
        http.add_validators(response, state.last_boundary or timezone.now())
        return self._answer(request, compression.encode(request, response))

    @staticmethod
    def _answer(request, response):
        if response.status_code == 200 and http.none_match(request, response.get("ETag", "")):
            return http.not_modified(response)
        return response

    @staticmethod
    def _get(key: str) -> Entry | None:
        try:
            return caches[CACHE_ALIAS].get(key)
        except Exception:  # a cache that is down must not take the site with it
            log.exception("The response cache could not be read; serving uncached.")
            return None

    @staticmethod
    def _set(key: str, entry: Entry, state: State) -> None:
        """`entry` as each encoding's requests are served it, under its own key."""
        variants = {
            served_key(key, encoding): entry.served(encoding)
            for encoding in (None, *compression.ENCODINGS)
        }
        try:
            caches[CACHE_ALIAS].set_many(variants, _timeout(state))
        except Exception:
            log.exception("The response cache could not be written.")


def _entry(response, compressed: bool = True) -> Entry:
    """What the cache stores of `response`: its bytes, headers and compressed copies."""
    encoded = () if compressed else None
    if compressed and compression.compressible(response):
        encoded = tuple(compression.compress_all(response.content).items())
    return Entry(
        status=response.status_code,
        headers=tuple((name, value) for name, value in response.items()),
        content=response.content,
        encoded=encoded,
    )
