"""Cache-based counters that keep the subscribe form from mail-bombing anyone.

Each request counts against the address asked for and the client it came from, in a
fixed window (SUBSCRIBERS_THROTTLE_WINDOW seconds). The counters live in the default
cache: local memory per process, or Redis shared by every web process with REDIS_URL
(use Redis when more than one process serves the form, or each counts on its own).
"""

from django.conf import settings
from django.core.cache import cache

from subscribers.addresses import address_hash

PREFIX = "subscribers:throttle:v1"


def _hit(key: str, window: int) -> int:
    """Count one more hit on `key`; return the count in the current window."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def allow(*, email: str, client: str) -> bool:
    """Count a subscribe request; False when the address or the client asked too often."""
    window = settings.SUBSCRIBERS_THROTTLE_WINDOW
    by_client = _hit(f"{PREFIX}:client:{address_hash(client)}", window)
    by_address = _hit(f"{PREFIX}:address:{address_hash(email)}", window)
    return (
        by_client <= settings.SUBSCRIBERS_THROTTLE_PER_CLIENT
        and by_address <= settings.SUBSCRIBERS_THROTTLE_PER_ADDRESS
    )


def client_address(request) -> str:
    """The client's IP: REMOTE_ADDR, or the header SUBSCRIBERS_CLIENT_IP_HEADER names when
    a proxy in front sets it (e.g. HTTP_X_REAL_IP).

    Of a list (X-Forwarded-For), the last entry: the one the proxy appended. Entries
    before it were sent by the client and would let it pose as anyone.
    """
    header = settings.SUBSCRIBERS_CLIENT_IP_HEADER
    if header and request.META.get(header, "").strip(", "):
        return request.META[header].strip(", ").split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
