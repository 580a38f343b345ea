"""gunicorn settings for the web process: `gunicorn -c config/gunicorn.py config.wsgi`.

Every value can be overridden on the command line or by the variable named beside it
(see README, "Serving"). Chosen for a 2-core machine serving mostly cached pages:

- `gthread` workers: threads keep connections alive (a `sync` worker closes every
  connection after one response, so each request would pay a new TCP handshake) and
  overlap one request's database round trip with another's Python. Python holds one
  core per process at a time, so throughput comes from processes: one per core.
- Each thread keeps its own persistent database connection (`CONN_MAX_AGE`), so the
  database sees workers x threads connections.
- `preload_app`: Django and the app are imported once, before forking, so workers share
  those pages of memory and start at once; `gc.freeze()` before each fork keeps them
  shared (the collector would otherwise write to, and so copy, every page of them).
- No `max_requests`: a worker's memory was measured not to grow (bench/README.md); a
  restart would only throw away its warm caches.
"""

import gc
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("WEB_CONCURRENCY", os.cpu_count() or 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# Longer than a browser's pause between page loads, shorter than a load balancer's idle
# timeout (60 s on the common ones), so the balancer never reuses a closed connection.
keepalive = _int("GUNICORN_KEEPALIVE", 20)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def pre_fork(server, worker):
    # What preload_app imported is shared with the workers until a page of it is written.
    # The collector writes to every object it examines, so a worker's first full collection
    # would copy all of it; frozen objects are never examined (docs of gc.freeze).
    gc.freeze()
