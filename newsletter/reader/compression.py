"""Compression of public responses: Brotli or gzip, chosen by the request's Accept-Encoding.

Public bytes are immutable, so the whole-response cache (`cache.py`) compresses a page
once, when it stores it, and every hit serves the stored encoding: no per-request work,
unlike a compressing middleware. Each encoding is its own representation: its own strong
ETag (the identity tag with `-br` or `-gzip` inside the quotes), so a 304 stays exact, and
`Vary: Accept-Encoding` on every compressible response, whichever encoding was served.

Only responses marked public are compressed: they hold nothing personal (anyone may be
served the same bytes), so compression cannot leak a secret through their length (BREACH).
"""

import gzip

import brotli
from django.utils.cache import patch_vary_headers

BROTLI = "br"
GZIP = "gzip"
ENCODINGS = (BROTLI, GZIP)  # the order of preference when a request accepts several
# Quality 5 compresses a 50 KB page in about a millisecond (a search result is compressed
# on the request's path) and within a few per cent of quality 11; gzip at 6, zlib's default.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
SMALLEST = 256  # below this, headers outweigh what compression saves
TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/javascript",
    "image/svg+xml",
)


def compressible(response) -> bool:
    """A complete 200 of text, not encoded already and big enough to gain from it."""
    content_type = response.get("Content-Type", "").lower()
    return (
        response.status_code == 200
        and not response.streaming
        and not response.has_header("Content-Encoding")
        and content_type.startswith(TEXT_TYPES)
        and len(response.content) >= SMALLEST
    )


def compress(encoding: str, content: bytes) -> bytes:
    if encoding == BROTLI:
        return brotli.compress(content, quality=BROTLI_QUALITY)
    # mtime=0: the same bytes every time, so the same ETag fits them everywhere.
    return gzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0)


def compress_all(content: bytes) -> dict[str, bytes]:
    """Every encoding that makes `content` smaller."""
    encoded = {encoding: compress(encoding, content) for encoding in ENCODINGS}
    return {encoding: body for encoding, body in encoded.items() if len(body) < len(content)}


def _accepted(header: str) -> dict[str, float]:
    """Accept-Encoding as {coding: q}; a malformed q counts as 0 (not acceptable)."""
    accepted = {}
    for part in header.split(","):
        coding, *params = (piece.strip() for piece in part.split(";"))
        if not coding:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        accepted[coding.lower()] = q
    return accepted


def negotiate(header: str, available) -> str | None:
    """The preferred encoding among `available` that `header` accepts (None: identity)."""
    accepted = _accepted(header)
    best, best_q = None, 0.0
    for encoding in ENCODINGS:
        if encoding not in available:
            continue
        q = accepted.get(encoding, accepted.get("*", 0.0))
        if q > best_q:
            best, best_q = encoding, q
    return best


def tagged(etag: str, encoding: str) -> str:
    """The ETag of one encoding of the bytes `etag` names: `"abc"` -> `"abc-br"`."""
    return f'{etag[:-1]}-{encoding}"' if etag.endswith('"') else etag


def preferred(request) -> str | None:
    """The encoding `request` would be served if every encoding were at hand (None:
    identity): what a stored response is looked up by (`cache.py`)."""
    return negotiate(request.headers.get("Accept-Encoding", ""), ENCODINGS)


def encode(request, response, encoded: dict[str, bytes] | None = None):
    """Serve `response` in the best encoding `request` accepts.

    `encoded` holds bodies compressed before (a stored entry's); without it the chosen
    encoding is compressed now.
    """
    if not compressible(response):
        return response
    header = request.headers.get("Accept-Encoding", "")
    return encode_as(
        response, negotiate(header, ENCODINGS if encoded is None else encoded), encoded
    )


def encode_as(response, encoding: str | None, encoded: dict[str, bytes] | None = None):
    """`response` served in `encoding` (None, or one not in `encoded`: identity), with
    `Vary: Accept-Encoding` whenever it is compressible, whichever encoding it is."""
    if not compressible(response):
        return response
    patch_vary_headers(response, ("Accept-Encoding",))
    if encoding is None or (encoded is not None and encoding not in encoded):
        return response
    body = encoded[encoding] if encoded is not None else compress(encoding, response.content)
    if len(body) >= len(response.content):
        return response
    response.content = body
    response["Content-Encoding"] = encoding
    response["Content-Length"] = str(len(body))
    if response.has_header("ETag"):
        response["ETag"] = tagged(response["ETag"], encoding)
    return response
