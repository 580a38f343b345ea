"""The local-memory cache keeps what it stores under its byte budget, dropping the least
recently used entries first."""

from django.conf import settings
from django.core.cache import caches

from config.memory_cache import BoundedLocMemCache

KB = 1024


def bounded(name, max_bytes, max_entries=1000):
    return BoundedLocMemCache(
        name, {"OPTIONS": {"MAX_BYTES": max_bytes, "MAX_ENTRIES": max_entries}}
    )


def stored_bytes(cache):
    return sum(len(value) for value in cache._cache.values())


def test_what_is_stored_stays_under_the_byte_budget_the_oldest_going_first():
    cache = bounded("budget", 100 * KB)

    for n in range(10):
        cache.set(f"page-{n}", b"x" * (30 * KB))

    assert stored_bytes(cache) <= 100 * KB
    assert [n for n in range(10) if cache.get(f"page-{n}") is not None] == [7, 8, 9]


def test_an_entry_read_recently_outlives_ones_stored_after_it():
    cache = bounded("recency", 100 * KB)
    cache.set("feed", b"f" * (30 * KB))

    for n in range(6):
        cache.set(f"search-{n}", b"s" * (20 * KB))
        assert cache.get("feed") is not None  # read between every two searches

    assert cache.get("search-0") is None
    assert cache.get("search-5") is not None


def test_an_entry_bigger_than_the_budget_is_not_stored_and_evicts_nothing():
    cache = bounded("oversize", 100 * KB)
    cache.set("home", b"h" * (10 * KB))
    cache.set("huge", b"old")

    cache.set("huge", b"x" * (200 * KB))

    assert cache.get("huge") is None  # not the old value either
    assert cache.get("home") == b"h" * (10 * KB)


def test_the_count_still_bounds_small_entries():
    cache = bounded("count", 10 * 1024 * KB, max_entries=9)

    for n in range(30):
        cache.set(f"k{n}", n)

    assert len(cache._cache) <= 9
    assert cache.get("k29") == 29


def test_the_default_cache_is_bounded_by_the_setting_in_megabytes():
    default = settings.CACHES["default"]
    assert default["BACKEND"] == "config.memory_cache.BoundedLocMemCache"
    assert default["OPTIONS"]["MAX_BYTES"] == 32 * 1024 * KB

    caches["default"].set("big", b"x" * (32 * 1024 * KB + 1))

    assert caches["default"].get("big") is None
