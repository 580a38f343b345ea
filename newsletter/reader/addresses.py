"""Absolute URLs: for pages cached publicly, and for content read away from the site.

Pages are cached publicly, so their canonical and social URLs are built on SITE_URL,
never on the request's Host (`site_url`).

Snapshots keep links as they were written (site-relative for uploads and our own pages);
a feed reader or a mail client needs them absolute. The HTML passed in is ours: either
sanitised by nh3 or rendered by our templates, so attribute values are double-quoted.
"""

import re
from urllib.parse import urljoin

from django.conf import settings

_URL_ATTR = re.compile(r'\b(href|src|poster)="([^"]*)"')
_SRCSET = re.compile(r'\bsrcset="([^"]*)"')


def site_base(request=None) -> str:
    """The site's absolute base URL: from the request when there is one, else SITE_URL."""
    if request is not None:
        return request.build_absolute_uri("/")
    return settings.SITE_URL.rstrip("/") + "/"


def site_url(path: str) -> str:
    """`path` as an absolute URL on SITE_URL, whatever host the request came to."""
    return absolute(path, site_base())


def absolute(url: str, base: str) -> str:
    """`url` made absolute against `base`; fragments, mailto and absolute URLs unchanged."""
    if not url or url.startswith(("#", "mailto:")):
        return url
    return urljoin(base, url)


def absolutize_html(html: str, base: str) -> str:
    """Every href, src and srcset in `html` made absolute against `base`."""

    def url_attr(match: re.Match) -> str:
        return f'{match.group(1)}="{absolute(match.group(2), base)}"'

    def srcset(match: re.Match) -> str:
        candidates = []
        for candidate in match.group(1).split(","):
            parts = candidate.strip().split(None, 1)
            if parts:
                parts[0] = absolute(parts[0], base)
                candidates.append(" ".join(parts))
        return f'srcset="{", ".join(candidates)}"'

    return _SRCSET.sub(srcset, _URL_ATTR.sub(url_attr, html))


def content_html(html: str, url: str) -> str:
    """`html` as it reads away from the site: every link absolute, resolved as on the page
    at `url`; in-page links (`#section-…`) point into that page, not the reader's."""
    return absolutize_html(html.replace('href="#', f'href="{url}#'), url)
