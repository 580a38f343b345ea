"""Filling a saved link from what it points to: its page, or arXiv for a paper.

`fill(link)` runs once per saved link, in the background (`curation.tasks`): an arXiv
link gets the paper's details from arXiv's API; any other link gets its page through
the safe fetcher, read for its title, site name, description and OpenGraph picture.
Redirects and the canonical address are recorded as aliases of the link, so "featured
before" knows them. What went wrong is kept in `message`, in words for the editor.
"""

from django.utils import timezone

from curation.arxiv_client import ArxivError, fetch_paper
from curation.featured import record_aliases
from curation.fetcher import FetchError, FetchRefused, fetch
from curation.models import SavedLink
from curation.page_metadata import decode, read_metadata
from curation.urls_normalisation import arxiv_key
from newsletter.content.arxiv import normalise_arxiv_id

PAGE_BYTES = 512 * 1024  # the head of a page is all that is read


def arxiv_id_of(url: str) -> str:
    if not arxiv_key(url):
        return ""
    return normalise_arxiv_id(url)


def fill(link: SavedLink) -> SavedLink:
    link.arxiv_id = arxiv_id_of(link.url)
    if link.arxiv_id:
        _fill_paper(link)
    else:
        _fill_page(link)
    link.fetched_at = timezone.now()
    link.save()
    return link


def _fill_paper(link: SavedLink) -> None:
    try:
        paper = fetch_paper(link.arxiv_id)
    except ArxivError as error:
        link.status, link.message = SavedLink.Status.FAILED, str(error)[:500]
        return
    link.paper = paper.to_json()
    link.fetched_title = paper.title[:500]
    link.site_name = "arXiv"
    link.description = paper.abstract
    link.final_url = paper.abs_url[:1000]
    link.status, link.message = SavedLink.Status.FILLED, ""


def _fill_page(link: SavedLink) -> None:
    try:
        fetched = fetch(link.url, max_bytes=PAGE_BYTES, truncate=True)
    except FetchRefused as error:
        link.status, link.message = SavedLink.Status.REFUSED, str(error)[:500]
        return
    except FetchError as error:
        link.status, link.message = SavedLink.Status.FAILED, str(error)[:500]
        return
    link.final_url = fetched.final_url[:1000]
    if not fetched.ok:
        link.status = SavedLink.Status.FAILED
        link.message = f"The page answered {fetched.status}: fill the fields by hand."
        return
    if fetched.content_type not in ("text/html", "application/xhtml+xml", ""):
        link.status = SavedLink.Status.FILLED
        link.message = f"Not a web page ({fetched.content_type}): only its address is known."
        record_aliases(link.url, *fetched.redirects)
        return
    meta = read_metadata(decode(fetched.body, fetched.charset), fetched.final_url)
    link.fetched_title = meta.title[:500]
    link.site_name = meta.site_name[:200]
    link.description = meta.description
    link.image_url = meta.image_url[:1000]
    link.status, link.message = SavedLink.Status.FILLED, ""
    record_aliases(
        link.url, *fetched.redirects, *([meta.canonical_url] if meta.canonical_url else [])
    )
