"""The worker's stop flag: a long task checks it between units of work and hands the rest on.

The worker sets it on SIGTERM (or SIGINT). A task that sends thousands of messages does
not wait for the end of the whole send: it finishes the message in hand, re-enqueues
itself for whichever worker comes next, and returns, so the worker can exit at once.
"""

import threading

_requested = threading.Event()


def requested() -> bool:
    """True once this process has been asked to stop."""
    return _requested.is_set()


def request() -> None:
    _requested.set()


def reset() -> None:
    """Clear the flag (a new worker in the same process, as in tests)."""
    _requested.clear()
