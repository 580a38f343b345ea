"""The local-memory cache, bounded in bytes as well as in entries.

Django's LocMemCache counts entries only (MAX_ENTRIES), but ours differ a hundredfold in
size: a search result with its Brotli and gzip copies is about 22 KB, an issue page 91 KB,
the RSS feed 680 KB (430 KB of it plain; each encoding an entry of its own), and the
response cache stores up to 2 MB a page plus its encodings. So a count bounds nothing;
this backend also keeps the stored (pickled) bytes under MAX_BYTES, dropping the least
recently used entries first, one at a time (Django culls a third of the entries at once
when the count is reached, the hot pages with the rest).
"""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class BoundedLocMemCache(LocMemCache):
    def __init__(self, name, params):
        super().__init__(name, params)
        self._max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 0)) or None

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        # Called with the lock held and `value` pickled: its length is what it costs.
        if self._max_bytes is not None and len(value) > self._max_bytes:
            self._delete(key)  # too big to keep: storing it would empty the cache
            return
        super()._set(key, value, timeout)
        if self._max_bytes is None:
            return
        stored = sum(map(len, self._cache.values()))
        while stored > self._max_bytes:
            old_key, old = self._cache.popitem()  # the least recently used end
            self._expire_info.pop(old_key, None)
            stored -= len(old)
