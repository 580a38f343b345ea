"""A rate limit shared by every process: one row per key holds the next free moment.

`wait_turn(key, interval)` reserves the next slot under a row lock and sleeps until it,
so any number of web processes and workers together make at most one request per
`interval` seconds for that key (arXiv asks for one every three seconds). `hold_off(key,
until)` moves the next slot later, when the other side says so (Retry-After).
"""

import time
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from curation.models import RateLimit


def _locked(key: str) -> RateLimit:
    try:
        with transaction.atomic():
            RateLimit.objects.get_or_create(key=key, defaults={"next_at": timezone.now()})
    except IntegrityError:  # created by another process meanwhile
        pass
    return RateLimit.objects.select_for_update().get(key=key)


def reserve(key: str, interval: float) -> float:
    """Reserve the next slot for `key`; the seconds to wait until it."""
    with transaction.atomic():
        row = _locked(key)
        now = timezone.now()
        start = max(now, row.next_at)
        row.next_at = start + timedelta(seconds=interval)
        row.save(update_fields=["next_at"])
    return (start - now).total_seconds()


def wait_turn(key: str, interval: float, *, budget: float | None = None) -> float:
    """Wait for this key's next slot and take it; the seconds waited.

    With `budget`, a slot further off than that is not taken: None is returned at once."""
    if budget is not None:
        with transaction.atomic():
            row = _locked(key)
            if (row.next_at - timezone.now()).total_seconds() > budget:
                return None
    wait = reserve(key, interval)
    if wait > 0:
        time.sleep(wait)
    return wait


def hold_off(key: str, until: datetime) -> None:
    with transaction.atomic():
        row = _locked(key)
        if until > row.next_at:
            row.next_at = until
            row.save(update_fields=["next_at"])
