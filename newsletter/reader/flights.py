"""One build of a page at a time in each process: requests that miss the same cache key
while its response is being built wait for those bytes instead of building them again.

After a publish every address is looked up under a new key, so the first readers of the
home page all miss at once; without this, each of a worker's threads would render the
same page, and run its queries, side by side. The first request builds; the others wait
for its entry, at most FOLLOW_TIMEOUT seconds, and serve it as a hit would (`X-Cache:
shared`). When the first has nothing to share (its response is not one the cache keeps,
it failed, or it took too long), each waiting request builds its own, as before.

Per process: with a shared Redis, each process still builds a page once.
"""

import threading

FOLLOW_TIMEOUT = 10.0  # seconds a request waits for another's build before making its own


class Flight:
    """A build in progress: `wait` for its entry (None when it has none to share)."""

    def __init__(self):
        self._done = threading.Event()
        self._entry = None

    def wait(self, timeout: float = FOLLOW_TIMEOUT):
        return self._entry if self._done.wait(timeout) else None


_flying: dict[str, Flight] = {}
_lock = threading.Lock()


def join(key: str) -> tuple[Flight, bool]:
    """The build of `key` in progress, and whether the caller leads it (builds) or follows."""
    with _lock:
        flight = _flying.get(key)
        if flight is not None:
            return flight, False
        flight = _flying[key] = Flight()
        return flight, True


def land(key: str, flight: Flight, entry) -> None:
    """The leader is done: hand `entry` (or None) to its followers; the next miss leads anew."""
    with _lock:
        if _flying.get(key) is flight:
            del _flying[key]
    flight._entry = entry
    flight._done.set()


def in_progress() -> int:
    """How many builds are in progress (tests)."""
    with _lock:
        return len(_flying)
