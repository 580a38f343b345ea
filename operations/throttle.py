"""Fixed-window request counters in the default cache, for the forms that send mail.

Each call counts one request against every value it is given (the address asked for, the
client's IP) for `window` seconds, and refuses once any of them is over its limit. The
counters live in the default cache: local memory per process, or Redis shared by every
web process with REDIS_URL (use Redis when more than one process serves the site, or each
counts on its own). Values are kept as keyed hashes, never as the address itself.
"""

from django.core.cache import cache
from django.utils.crypto import salted_hmac

PREFIX = "throttle:v1"


def allow(scope: str, *, window: int, **limits: tuple[str, int]) -> bool:
    """Count one request in `scope`; False when any `name=(value, limit)` is over its limit.

    Every value is counted, even once one is over: a client refused for one reason still
    uses up its allowance for the others.
    """
    counts = [
        (_hit(_key(scope, name, value), window), limit) for name, (value, limit) in limits.items()
    ]
    return all(count <= limit for count, limit in counts)


def _key(scope: str, name: str, value: str) -> str:
    digest = salted_hmac(f"throttle:{scope}", value.strip().lower(), algorithm="sha256")
    return f"{PREFIX}:{scope}:{name}:{digest.hexdigest()}"


def _hit(key: str, window: int) -> int:
    """Count one more hit on `key`; the count in the current window."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1
