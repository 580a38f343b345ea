"""A real HTTP server on 127.0.0.1 (a free port) serving canned responses, for tests of
code that fetches from outside services: pages, arXiv's API, the Wayback Machine."""

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0  # seconds before the body is sent

    def encoded(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    at: float
    body: bytes = b""


class LocalServer:
    """`routes` maps a path (with its query) or a bare path to a Response or a callable
    taking the request's full path and returning one; anything else is a 404. A POST's
    body is in `seen[-1].body` when its route is called."""

    def __init__(self, routes=None, host="127.0.0.1"):
        self.routes = dict(routes or {})
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.seen.append(
                    Seen(
                        self.command,
                        self.path,
                        dict(self.headers.items()),
                        time.monotonic(),
                        self.rfile.read(length) if length else b"",
                    )
                )
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                response = route(self.path) if callable(route) else route
                if response is None:
                    response = Response(404, "not here")
                body = response.encoded()
                self.send_response(response.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **response.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if response.delay:
                    time.sleep(response.delay)
                if self.command != "HEAD":
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(body)

            do_GET = do_HEAD = do_POST = _answer

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path="/", host="127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
