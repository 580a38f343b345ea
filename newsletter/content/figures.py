"""Figures anywhere: pictures of our own media in markdown, shown like an item's picture.

Markdown keeps a picture as `![alt](/media/images/…)`. When the snapshot is built, each
picture that is one of our Images becomes what an item's picture is: a picture alone in
its paragraph becomes the same `<figure>` (includes/figure.html) with `srcset`, width,
height and a `figcaption` of its caption and credit; a picture within a line of text
keeps its place and gets `srcset`, width and height. Pictures from elsewhere stay as
they were written. The alt text written in the markdown wins over the Image's.
"""

import dataclasses
import html
import posixpath
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http.request import validate_host
from django.template.loader import render_to_string

from newsletter.content.snapshot import ImageRef

# Sanitised by nh3 (html5ever): attribute values are double-quoted, `"` escaped.
_ATTRS = r'((?:\s+[a-z-]+="[^"]*")*)'
_IMG = re.compile(r"<img" + _ATTRS + r"\s*/?>")
# A picture alone in its paragraph (group 1), or any other picture (group 2).
_PICTURE = re.compile(r"<p>\s*<img" + _ATTRS + r"\s*/?>\s*</p>|<img" + _ATTRS + r"\s*/?>")
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')
_SIZES = "(min-width: 45rem) 42rem, calc(100vw - 2.5rem)"


def _our_hosts() -> list[str]:
    hosts = [*settings.ALLOWED_HOSTS, urlsplit(settings.SITE_URL).hostname or ""]
    media_host = urlsplit(settings.MEDIA_URL).hostname
    return [host for host in [*hosts, media_host or ""] if host]


def media_name(src: str) -> str | None:
    """The storage name of a picture served from our media, or None.

    Every way of writing the address a browser would follow to our media counts:
    site-relative, absolute on one of our hosts (`https://site/media/…`,
    `//site/media/…`), with a query string or a fragment, percent-encoded, with dot
    segments or backslashes. What is shown on a page must be found here, or a
    published picture could be deleted from under it.
    """
    # Browsers drop surrounding whitespace and read a backslash as a slash in http(s) URLs.
    src = html.unescape(src or "").strip(" \t\n\r\f\v\x00").replace("\\", "/")
    try:
        parts = urlsplit(src)
        hostname = parts.hostname
    except ValueError:  # a malformed authority, such as an unclosed [IPv6
        return None
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return None
    media = urlsplit(settings.MEDIA_URL)
    if parts.netloc and not validate_host(hostname or "", _our_hosts()):
        return None
    path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    prefix = media.path.rstrip("/") + "/"
    if not path.startswith(prefix):
        return None
    return path[len(prefix) :] or None


def media_names(fragment: str) -> set[str]:
    """The storage names of every picture of our media in a sanitised fragment."""
    names = set()
    for match in _IMG.finditer(fragment or ""):
        name = media_name(dict(_ATTR.findall(match.group(1))).get("src", ""))
        if name:
            names.add(name)
    return names


def _ref_for(attrs: dict, refs: dict[str, ImageRef]) -> ImageRef | None:
    name = media_name(attrs.get("src", ""))
    ref = refs.get(name) if name else None
    if ref is not None and attrs.get("alt"):
        ref = dataclasses.replace(ref, alt=html.unescape(attrs["alt"]))
    return ref


def _inline(ref: ImageRef) -> str:
    srcset = f' srcset="{html.escape(ref.srcset)}" sizes="{_SIZES}"' if ref.srcset else ""
    return (
        f'<img src="{html.escape(ref.src)}"{srcset} width="{ref.width}" height="{ref.height}" '
        f'alt="{html.escape(ref.alt)}" loading="lazy" decoding="async">'
    )


def place_figures(fragment: str, refs: dict[str, ImageRef]) -> str:
    """`fragment` with every picture of ours (`refs`, by storage name) shown as a figure."""
    if not fragment or not refs:
        return fragment

    def picture(match: re.Match) -> str:
        alone = match.group(1) is not None
        ref = _ref_for(dict(_ATTR.findall(match.group(1) if alone else match.group(2))), refs)
        if ref is None:
            return match.group(0)
        if alone:
            return render_to_string("includes/figure.html", {"image": ref}).strip()
        return _inline(ref)

    return _PICTURE.sub(picture, fragment)
