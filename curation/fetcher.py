"""The one way this site fetches a page someone else named: safely.

`fetch(url)` gets a public http(s) address and nothing else:

- only `http` and `https`;
- the host is resolved once per hop (by `CURATION_RESOLVER`, the system's resolver by
  default), every address it resolves to must be global (no private, loopback,
  link-local, shared, reserved, multicast or unspecified address, IPv4-mapped ones
  included), and the connection goes to the very address that was checked: a second
  lookup by the HTTP library could answer differently (DNS rebinding);
- every redirect is followed by hand and checked the same way, at most
  `CURATION_FETCH_MAX_REDIRECTS` of them;
- at most `CURATION_FETCH_MAX_BYTES` are read and the whole fetch, redirects included,
  takes at most `CURATION_FETCH_TIMEOUT` seconds;
- it says who it is: `CURATION_USER_AGENT`.

`CURATION_FETCH_ALLOWED_NETWORKS` lists networks let through anyway (empty by default:
the test suite lets 127.0.0.1 through to reach its local servers, and nothing else).
A refusal raises `FetchRefused`, a failure to get the page `FetchFailed`; both say why in
words fit to show an editor. An HTTP error status is not a failure: the caller reads it.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """The page could not be had; the message says why."""


class FetchRefused(FetchError):
    """The address is not one this site fetches (scheme, or where it resolves to)."""


class FetchFailed(FetchError):
    """The page could not be fetched: no connection, too slow, too large, bad HTTP."""


@dataclass(frozen=True)
class Fetched:
    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    redirects: tuple[str, ...] = field(default=())  # every address redirected to, in order
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system's resolver gives for `host`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchFailed(f"The name {host} could not be resolved.") from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def _resolver() -> Callable[[str, int], list[str]]:
    path = getattr(settings, "CURATION_RESOLVER", "curation.fetcher.system_resolver")
    return import_string(path)


def _allowed_networks():
    return [
        ipaddress.ip_network(network, strict=False)
        for network in getattr(settings, "CURATION_FETCH_ALLOWED_NETWORKS", ())
    ]


def refusal_for_address(address: str) -> str | None:
    """Why this site will not connect to `address`, or None when it may."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if any(ip in network for network in _allowed_networks()):
        return None
    checked = ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip
    if not checked.is_global or checked.is_multicast:
        kind = (
            "a loopback"
            if checked.is_loopback
            else "a link-local"
            if checked.is_link_local
            else "a private"
            if checked.is_private
            else "a non-public"
        )
        return f"it points to {kind} address ({address}), which this site never fetches"
    return None


def _address_for(host: str, port: int) -> str:
    """The address to connect to for `host`: checked, every one of them, before use."""
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = _resolver()(host, port)
    if not addresses:
        raise FetchFailed(f"The name {host} has no address.")
    for address in addresses:
        if reason := refusal_for_address(address):
            raise FetchRefused(f"Not fetched: {host} {reason}.")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a checked address, with the host's name in the Host header."""

    def __init__(self, host, address, port, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = self.pinned = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is checked against the host's name."""

    def __init__(self, host, address, port, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.pinned = self._context.wrap_socket(sock, server_hostname=self.host)


def user_agent() -> str:
    return settings.CURATION_USER_AGENT


def fetch(
    url: str,
    *,
    method: str = "GET",
    max_bytes: int | None = None,
    timeout: float | None = None,
    truncate: bool = False,
    accept: str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
) -> Fetched:
    """Fetch `url` safely (see the module). `truncate` keeps the first `max_bytes` of a
    larger body instead of failing (a page's head is enough to read its title)."""
    max_bytes = max_bytes or settings.CURATION_FETCH_MAX_BYTES
    timeout = timeout or settings.CURATION_FETCH_TIMEOUT
    deadline = time.monotonic() + timeout
    redirects: list[str] = []
    current = url.strip()
    for _hop in range(settings.CURATION_FETCH_MAX_REDIRECTS + 1):
        status, headers, body, truncated = _one_request(
            current, method, max_bytes, deadline, timeout, truncate, accept
        )
        location = headers.get("location")
        if status in REDIRECTS and location:
            current = urljoin(current, location.strip())
            redirects.append(current)
            continue
        return Fetched(
            url=url,
            final_url=current,
            status=status,
            headers=headers,
            body=body,
            redirects=tuple(redirects),
            truncated=truncated,
        )
    raise FetchFailed(f"Not fetched: more than {settings.CURATION_FETCH_MAX_REDIRECTS} redirects.")


def _one_request(url, method, max_bytes, deadline, timeout, truncate, accept):
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchRefused(f"Not fetched: “{url[:200]}” is not a valid address.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(
            f"Not fetched: only http and https links are fetched, not “{scheme or url[:40]}”."
        )
    host = parts.hostname
    if not host:
        raise FetchRefused(f"Not fetched: “{url[:200]}” names no host.")
    port = port or (443 if scheme == "https" else 80)
    address = _address_for(host, port)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed(f"Not fetched: no answer within {timeout:g} seconds.")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, address, port, remaining)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            method,
            path,
            headers={
                "User-Agent": user_agent(),
                "Accept": accept,
                "Accept-Encoding": "identity",
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes and not truncate:
            raise FetchFailed(f"Not fetched: the page is larger than {max_bytes:,} bytes.")
        chunks, size, truncated = [], 0, False
        while method != "HEAD" and not response.isclosed():
            if time.monotonic() > deadline:
                raise FetchFailed(f"Not fetched: no answer within {timeout:g} seconds.")
            connection.pinned.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = response.read1(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                if not truncate:
                    raise FetchFailed(f"Not fetched: the page is larger than {max_bytes:,} bytes.")
                truncated = True
                break
        body = b"".join(chunks)[:max_bytes]
        return response.status, headers, body, truncated
    except TimeoutError as error:
        raise FetchFailed(f"Not fetched: no answer within {timeout:g} seconds.") from error
    except ssl.SSLError as error:
        raise FetchFailed(f"Not fetched: the secure connection to {host} failed.") from error
    except (OSError, http.client.HTTPException) as error:
        raise FetchFailed(f"Not fetched: {host} could not be reached ({error}).") from error
    finally:
        connection.close()
