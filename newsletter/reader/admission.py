"""Which responses to addresses with a query the whole-response cache stores: those asked
for a second time.

A path names something published, so there are about as many as the archive has pages.
A query string can be anything a reader types: every search is a new one, and most are
asked once. Storing each on first sight would fill the cache with pages nobody asks for
again, pushing out the ones asked all the time, and would make a worker's memory grow
with every new query until the cache's bound. So an address with a query is stored the
second time it is asked while it is among the last SEEN_KEPT such addresses this process
was asked (a doorkeeper, as in TinyLFU); the first time it is rendered and served as
usual. A path without a query is stored at once.
"""

import hashlib
import threading
from collections import OrderedDict

SEEN_KEPT = 8192  # about 1 MB: a 16-byte digest and its slot an address


class Doorkeeper:
    def __init__(self, size: int = SEEN_KEPT):
        self._size = size
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, address: str) -> bool:
        """True when `address` was asked before (it is worth storing); remembers it."""
        digest = hashlib.blake2b(address.encode(), digest_size=16).digest()
        with self._lock:
            if digest in self._seen:
                self._seen.move_to_end(digest)
                return True
            self._seen[digest] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return False

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


doorkeeper = Doorkeeper()


def worth_storing(request) -> bool:
    """Whether the response to `request` should be stored now (see the module's text)."""
    if not request.META.get("QUERY_STRING"):
        return True
    return doorkeeper.admit(request.get_full_path())
