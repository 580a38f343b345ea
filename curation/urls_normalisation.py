"""One key for every spelling of one link, so that "featured before" finds it.

`link_key(url)` drops what does not change which page a link names: the scheme, a leading
`www.`, the default port, a trailing slash, the fragment, tracking parameters (`utm_*`,
`fbclid`, `gclid`, `ref`…) and the order of the rest of the query. A link to an arXiv
paper (abstract, PDF, HTML, any version) is the paper: `arxiv:<id>` without version, the
same key a paper's arXiv id gives (`arxiv_key`). Anything that is not an http(s) link
keeps its own text, stripped, so it only matches itself.
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from newsletter.content.arxiv import normalise_arxiv_id

# Query parameters that say who sent a reader, not what they read.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ref", "ref_src",
        "ref_url", "referrer", "source", "spm", "oly_anon_id", "oly_enc_id", "vero_id",
        "_ga", "_gl", "si",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def arxiv_key(arxiv_id: str) -> str:
    """The key of a paper by its arXiv id (any version, any spelling), or "" for none."""
    try:
        return "arxiv:" + normalise_arxiv_id(arxiv_id, keep_version=False).lower()
    except ValueError:
        return ""


def is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def link_key(url: str) -> str:
    """The key `url` is compared by (see the module); "" for a blank one."""
    text = (url or "").strip()
    if not text:
        return ""
    if key := arxiv_key(text):
        return key
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return text
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking(name)
    )
    return host + path + (f"?{urlencode(query)}" if query else "")
