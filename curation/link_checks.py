"""Whether a link still loads, checked with the safe fetcher, kept in `LinkCheck`.

Used by the preflight (the links of an issue being written) and by link rot (the links of
live issues). Checks are polite: one request per host at a time, at most one per
`LINKROT_HOST_INTERVAL` seconds to a host across every process (`curation.rate_limit`),
and only the first 64 KB of a page is read.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from curation import rate_limit
from curation.featured import record_aliases
from curation.fetcher import FetchError, fetch
from curation.models import LinkCheck
from curation.urls_normalisation import link_key

CHECK_BYTES = 64 * 1024


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def check_link(url: str, *, budget: float | None = None) -> LinkCheck | None:
    """Fetch `url` and record whether it loads; None when its host's next turn is further
    off than `budget` seconds (try it in a later run)."""
    host = host_of(url)
    waited = rate_limit.wait_turn(f"host:{host}", settings.LINKROT_HOST_INTERVAL, budget=budget)
    if waited is None:
        return None
    now = timezone.now()
    try:
        fetched = fetch(url, max_bytes=CHECK_BYTES, truncate=True)
    except FetchError as error:
        ok, status, message = False, None, str(error)
    else:
        ok, status = fetched.status < 400, fetched.status
        message = "" if ok else f"it answered {fetched.status}."
        if fetched.redirects:
            record_aliases(url, *fetched.redirects)
    row, _ = LinkCheck.objects.get_or_create(
        key=link_key(url)[:1000], defaults={"url": url[:1000], "host": host[:255]}
    )
    row.url, row.host = url[:1000], host[:255]
    row.checked_at, row.ok, row.status, row.message = now, ok, status, message[:500]
    if ok:
        row.failing_since = None
        row.wayback_url = ""
    elif row.failing_since is None:
        row.failing_since = now
    row.save()
    return row
