"""The web process: `python -m config.serve` serves config.wsgi with granian.

Every value can be set by the variable named beside it (see README, "Serving"). Chosen for
a 2-core machine serving mostly cached pages, from bench/README.md's measurements:

- granian's HTTP handling is Rust, outside the GIL: it reads requests, keeps connections
  alive and writes answers while Python runs only the app. With gunicorn's gthread worker
  the server's own Python (parsing, the poller, handing connections to threads, writing)
  was 90 % of a cached page's time, and a static file's p99 at 16 connections was over
  20 ms; with granian both are about a third of that (bench/README.md, "Serving").
- One process per core: Python runs one thread of a process at a time, so throughput comes
  from processes.
- Two app threads per process: one runs while the other waits for PostgreSQL (a search, a
  page not yet cached); a cached page never waits. More threads only queue on the GIL.
  Each thread keeps its own persistent database connection (`CONN_MAX_AGE`), so the
  database sees workers x threads connections.
- A worker that dies is started again (`respawn_failed_workers`); SIGTERM lets requests in
  hand finish, for at most `WEB_GRACEFUL_TIMEOUT` seconds.
- One listening socket, opened by the main process and shared by the workers (`Server`
  below), as gunicorn does, not granian's default on Linux of a socket per worker
  (SO_REUSEPORT): there the connections waiting at a dying worker's socket are reset, and
  measured here, for a few hundred milliseconds after a worker was killed new connections
  were refused by the thousand in about one run in six. With one socket, a connection
  waits in its queue until a live worker takes it; only the requests the dead worker held
  are lost.
- With one socket, a worker takes at most `WEB_BACKPRESSURE` requests at a time (4 per app
  thread: 8), then leaves the next connections in the queue for the other. Unbounded, one
  worker took most of a burst of connections: at 16 connections the static file fell
  from 3,970 to 1,759 req/s and the home page's p99 rose from 10 to 114 ms; bounded at 8
  the static file did 4,424 req/s, every page's p99 under 14 ms, and 64 connections were
  served without an error (bench/README.md, "Serving").
"""

import os
import socket
import sys


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def options() -> dict:
    """granian's settings from the environment."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    # Every interface by default: in the image, docker publishes the port on the host's
    # loopback only (docker-compose.yml); elsewhere set WEB_BIND.
    host, _, port = os.environ.get("WEB_BIND", "0.0.0.0:8000").rpartition(":")
    threads = _int("WEB_THREADS", 2)
    return {
        "target": "config.wsgi:application",
        "address": host.strip("[]") or "0.0.0.0",  # noqa: S104 - see above
        "port": int(port),
        "interface": Interfaces.WSGI,
        "workers": _int("WEB_CONCURRENCY", os.cpu_count() or 1),
        "blocking_threads": threads,
        "backpressure": _int("WEB_BACKPRESSURE", 4 * threads),
        # A client has this long to send a request's headers, idle keep-alive included.
        "http1_settings": HTTP1Settings(header_read_timeout=_int("WEB_KEEPALIVE", 20) * 1000),
        "respawn_failed_workers": True,
        "workers_kill_timeout": _int("WEB_GRACEFUL_TIMEOUT", 30),
        "log_level": LogLevels(os.environ.get("WEB_LOG_LEVEL", "info").lower()),
        "log_access": os.environ.get("WEB_ACCESS_LOG", "") not in ("", "0"),
        "websockets": False,
    }


def server_class():
    """granian's server, listening on one socket the main process opens and keeps."""
    from granian import Granian
    from granian.net import SocketSpec

    class Server(Granian):
        def _init_shared_socket(self):
            if self.bind_uds or sys.platform != "linux":
                return super()._init_shared_socket()
            # What granian does off Linux (granian.server.common and .mp): the main process
            # binds the socket and each worker is handed its descriptor, kept open across
            # respawns; SO_REUSEPORT stays set, which one socket does not use.
            self._ssp = None
            self._shd = SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
            self._sfd = self._shd.get_fd()
            self._sso = socket.socket(fileno=self._sfd)
            self._sso.set_inheritable(True)
            return None

    return Server


def main() -> None:
    server_class()(**options()).serve()


if __name__ == "__main__":
    main()
