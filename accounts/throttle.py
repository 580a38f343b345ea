"""Cache counters for the password reset form: per address asked for and per client.

A fixed window of ACCOUNTS_RESET_THROTTLE_WINDOW seconds, in the default cache (local
memory per process, or Redis shared by every process with REDIS_URL), so the form
cannot be used to flood someone's mailbox.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

PREFIX = "accounts:reset-throttle:v1"


def _key(kind: str, value: str) -> str:
    digest = salted_hmac("accounts.throttle", value.strip().lower(), algorithm="sha256").hexdigest()
    return f"{PREFIX}:{kind}:{digest}"


def _hit(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def allow_reset(*, email: str, client: str) -> bool:
    """Count one reset request; False when the address or the client asked too often."""
    window = settings.ACCOUNTS_RESET_THROTTLE_WINDOW
    by_client = _hit(_key("client", client), window)
    by_address = _hit(_key("address", email), window)
    return (
        by_client <= settings.ACCOUNTS_RESET_THROTTLE_PER_CLIENT
        and by_address <= settings.ACCOUNTS_RESET_THROTTLE_PER_ADDRESS
    )
