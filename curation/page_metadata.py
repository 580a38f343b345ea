"""What a fetched page says about itself: title, site name, description, picture.

Read from the page's head as publishers write it, odd markup included: OpenGraph
(`og:*`, in `property` or `name`), Twitter cards, `<meta name="description">`,
`<title>`, `<link rel="canonical">`; attributes in any case and quoting, entities,
tags outside `<head>`, duplicates (the first one wins). A relative picture or canonical
address is made absolute against the page's address.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

_SPACE = re.compile(r"\s+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class PageMetadata:
    title: str = ""
    site_name: str = ""
    description: str = ""
    image_url: str = ""
    canonical_url: str = ""


class _HeadParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.title_parts: list[str] | None = None
        self.title = ""

    def handle_starttag(self, tag, attrs):
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "meta":
            name = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content", "")
            if name and content.strip() and name not in self.meta:
                self.meta[name] = content
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            if "canonical" in rels and values.get("href") and not self.canonical:
                self.canonical = values["href"].strip()
        elif tag == "title" and not self.title and self.title_parts is None:
            self.title_parts = []

    def handle_endtag(self, tag):
        if tag == "title" and self.title_parts is not None:
            self.title = "".join(self.title_parts)
            self.title_parts = None if self.title.strip() else self.title_parts

    def handle_data(self, data):
        if self.title_parts is not None:
            self.title_parts.append(data)


def _clean(text: str, limit: int) -> str:
    text = _SPACE.sub(" ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def decode(body: bytes, charset: str | None) -> str:
    """The page's text: the HTTP charset, else a `<meta charset>`, else UTF-8."""
    candidates = [charset]
    if match := _META_CHARSET.search(body[:4096]):
        candidates.append(match[1].decode("ascii"))
    for candidate in candidates:
        if candidate:
            try:
                return body.decode(candidate, errors="replace")
            except LookupError:
                continue
    return body.decode("utf-8", errors="replace")


def site_name_from(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def read_metadata(html: str, page_url: str) -> PageMetadata:
    parser = _HeadParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # what HTMLParser raises on the worst markup
        pass
    if parser.title_parts is not None and not parser.title:
        parser.title = "".join(parser.title_parts)
    meta = parser.meta

    def first(*names):
        return next((meta[name] for name in names if meta.get(name, "").strip()), "")

    image = first("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                  "twitter:image:src")  # fmt: skip
    image_url = urljoin(page_url, image.strip()) if image else ""
    if image_url and urlsplit(image_url).scheme not in ("http", "https"):
        image_url = ""
    canonical = first("og:url") or parser.canonical
    canonical_url = urljoin(page_url, canonical.strip()) if canonical else ""
    if canonical_url and urlsplit(canonical_url).scheme not in ("http", "https"):
        canonical_url = ""
    return PageMetadata(
        title=_clean(first("og:title", "twitter:title") or parser.title, 300),
        site_name=_clean(
            first("og:site_name", "application-name") or site_name_from(page_url), 200
        ),
        description=_clean(first("og:description", "twitter:description", "description"), 2000),
        image_url=image_url[:1000],
        canonical_url=canonical_url[:1000],
    )
