"""A paper's details from arXiv's Atom API, within its rate limit.

`fetch_paper(text)` takes an arXiv id or link in any form `normalise_arxiv_id` reads
(abstract, PDF, versioned, old-style ids such as hep-th/9901001) and asks
`ARXIV_API_URL` (`?id_list=…`) through the safe fetcher, at most one request every
`ARXIV_MIN_INTERVAL` seconds across every process (`curation.rate_limit`). It returns
the title, authors, abstract, primary category, dates, the PDF link and a code link
found in the abstract or the comments (GitHub, GitLab, Hugging Face).

Every failure is an `ArxivError` whose message tells the editor what happened and that
the fields can be typed by hand: no network, arXiv busy (503 or 429: its Retry-After
also holds back every process's next request), an unknown id, an unreadable answer.
"""

import email.utils
import re
import xml.etree.ElementTree as ET  # noqa: S405  (a bounded answer, no DOCTYPE: see _parse)
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from curation import rate_limit
from curation.fetcher import FetchError, fetch
from newsletter.content.arxiv import MESSAGE as ID_MESSAGE
from newsletter.content.arxiv import normalise_arxiv_id

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
RATE_KEY = "arxiv-api"
MAX_BYTES = 1024 * 1024
BY_HAND = "Type the paper's details by hand, or try again later."
CODE_LINK = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/[^\s<>()\[\]{}\"',;]+",
    re.IGNORECASE,
)


class ArxivError(Exception):
    """Nothing was filled from arXiv; the message says why."""


class ArxivUnavailable(ArxivError):
    """arXiv asked us to wait (503, 429): `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class PaperMetadata:
    arxiv_id: str  # as arXiv names it, with its version
    title: str
    authors: list[str]
    abstract: str
    primary_category: str
    published: date
    updated: date | None
    abs_url: str
    pdf_url: str
    comment: str = ""
    code_url: str = ""
    categories: list[str] = field(default_factory=list)

    @property
    def authors_text(self) -> str:
        return ", ".join(self.authors)

    def to_json(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat()
        data["updated"] = self.updated.isoformat() if self.updated else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> "PaperMetadata":
        return cls(
            **{
                **data,
                "published": date.fromisoformat(data["published"]),
                "updated": date.fromisoformat(data["updated"]) if data.get("updated") else None,
            }
        )


def find_code_link(*texts: str) -> str:
    for text in texts:
        if match := CODE_LINK.search(text or ""):
            return match[0].rstrip(".:")
    return ""


def _retry_after(value: str | None) -> float:
    if not value:
        return 60.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 60.0
    return max(0.0, (when - timezone.now()).total_seconds())


def _text(element, path: str) -> str:
    found = element.find(path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _date(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _parse(body: bytes, arxiv_id: str) -> PaperMetadata:
    unreadable = ArxivError(f"arXiv's answer for {arxiv_id} could not be read. {BY_HAND}")
    if b"<!DOCTYPE" in body[:2048].upper() or b"<!ENTITY" in body.upper():
        raise unreadable
    try:
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as error:
        raise unreadable from error
    entries = root.findall(f"{ATOM}entry")
    entry = entries[0] if entries else None
    entry_id = _text(entry, f"{ATOM}id") if entry is not None else ""
    title = _text(entry, f"{ATOM}title") if entry is not None else ""
    if entry is None or "/api/errors" in entry_id or not title:
        raise ArxivError(f"arXiv has no paper {arxiv_id}. Check the id, or {BY_HAND[0].lower()}"
                         f"{BY_HAND[1:]}")  # fmt: skip
    published = _date(_text(entry, f"{ATOM}published"))
    if published is None:
        raise unreadable
    abs_url = entry_id.replace("http://", "https://", 1)
    pdf_url = ""
    for link in entry.findall(f"{ATOM}link"):
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            pdf_url = (link.get("href") or "").replace("http://", "https://", 1)
    primary = entry.find(f"{ARXIV}primary_category")
    abstract = _text(entry, f"{ATOM}summary")
    comment = _text(entry, f"{ARXIV}comment")
    return PaperMetadata(
        arxiv_id=entry_id.rsplit("/abs/", 1)[-1] or arxiv_id,
        title=title,
        authors=[_text(author, f"{ATOM}name") for author in entry.findall(f"{ATOM}author")],
        abstract=abstract,
        primary_category=primary.get("term", "") if primary is not None else "",
        published=published,
        updated=_date(_text(entry, f"{ATOM}updated")),
        abs_url=abs_url,
        pdf_url=pdf_url or abs_url.replace("/abs/", "/pdf/", 1),
        comment=comment,
        code_url=find_code_link(abstract, comment),
        categories=[c.get("term", "") for c in entry.findall(f"{ATOM}category")],
    )


def fetch_paper(text: str) -> PaperMetadata:
    """The paper `text` names, from arXiv (see the module), or ArxivError."""
    try:
        arxiv_id = normalise_arxiv_id(text)
    except ValueError:
        raise ArxivError(ID_MESSAGE) from None
    rate_limit.wait_turn(RATE_KEY, settings.ARXIV_MIN_INTERVAL)
    url = f"{settings.ARXIV_API_URL}?{urlencode({'id_list': arxiv_id, 'max_results': 1})}"
    try:
        fetched = fetch(url, max_bytes=MAX_BYTES, accept="application/atom+xml")
    except FetchError as error:
        raise ArxivError(f"arXiv could not be reached: {error} {BY_HAND}") from error
    if fetched.status in (429, 503):
        wait = _retry_after(fetched.headers.get("retry-after"))
        rate_limit.hold_off(RATE_KEY, timezone.now() + timedelta(seconds=wait))
        raise ArxivUnavailable(
            f"arXiv is busy and asked us to wait {wait:.0f} seconds. {BY_HAND}", retry_after=wait
        )
    if not fetched.ok:
        raise ArxivError(f"arXiv answered with an error ({fetched.status}). {BY_HAND}")
    return _parse(fetched.body, arxiv_id)
