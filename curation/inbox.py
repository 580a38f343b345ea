"""The link inbox: saving a link, and turning it into an entry of a draft issue.

`save_link` keeps a link once (saving it again while it waits returns the same row) and
fills it in the background. `add_to_section` makes it an item or a paper at the end of
a section of a draft issue, in one transaction with the issue locked, and takes it out
of the inbox; editing pages opened before see the issue as changed (its version moves).
"""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from curation.fetcher import FetchError, fetch
from curation.models import SavedLink
from curation.tasks import fill_after_commit
from curation.urls_normalisation import link_key
from newsletter.content.arxiv import normalise_arxiv_id
from newsletter.content.images import ImageRejected, ingest
from newsletter.models import Issue, Item, Paper, Section

_URL = URLValidator(schemes=["http", "https"])
IMAGE_BYTES = 10 * 1024 * 1024


class InboxError(Exception):
    """The link could not be used as asked; the message says why."""


def save_link(*, url: str, by, title: str = "", selected_text: str = "", via: str) -> SavedLink:
    url = (url or "").strip()
    if url and "://" not in url:
        # What a share sheet or a person sends: arXiv:2201.12086, example.com/post.
        url = (
            f"https://arxiv.org/abs/{arxiv_id}"
            if (arxiv_id := _arxiv_id(url))
            else f"https://{url}"
        )
    try:
        _URL(url)
    except ValidationError:
        raise InboxError(f"“{url[:200]}” is not a web address (http or https).") from None
    if len(url) > 1000:
        raise InboxError("That address is longer than 1000 characters.")
    key = link_key(url)
    existing = SavedLink.objects.in_inbox().filter(key=key).first()
    if existing is not None:
        if selected_text and not existing.selected_text:
            existing.selected_text = selected_text[:5000]
            existing.save(update_fields=["selected_text"])
        return existing
    link = SavedLink.objects.create(
        url=url,
        key=key,
        title=" ".join((title or "").split())[:300],
        selected_text=(selected_text or "").strip()[:5000],
        via=via,
        saved_by=by,
    )
    fill_after_commit(link)
    return link


def _arxiv_id(text: str) -> str:
    try:
        return normalise_arxiv_id(text)
    except ValueError:
        return ""


def draft_sections():
    """Sections an inbox link can go to: those of draft issues, newest issue first."""
    return (
        Section.objects.filter(issue__state=Issue.State.DRAFT)
        .select_related("issue")
        .order_by("-issue__number", "position", "id")
    )


def _commentary(link: SavedLink) -> str:
    parts = []
    if link.selected_text:
        parts.append("\n".join(f"> {line}" for line in link.selected_text.splitlines()))
    if link.description and link.description not in link.selected_text:
        parts.append(link.description)
    return "\n\n".join(parts)


def _picture(link: SavedLink, alt_text: str, by):
    """The suggested picture, stored through the image pipeline, with the editor's alt text."""
    if not alt_text.strip():
        return None
    if not link.image_url:
        raise InboxError("This link has no suggested picture.")
    try:
        fetched = fetch(link.image_url, max_bytes=IMAGE_BYTES, accept="image/*")
    except FetchError as error:
        raise InboxError(f"The suggested picture could not be fetched. {error}") from error
    if not fetched.ok:
        raise InboxError(f"The suggested picture could not be fetched ({fetched.status}).")
    name = link.image_url.rsplit("/", 1)[-1].split("?")[0][:80] or "picture"
    try:
        return ingest(ContentFile(fetched.body, name=name), alt_text=alt_text, uploaded_by=by)
    except ImageRejected as error:
        raise InboxError(
            f"The suggested picture was refused: {' '.join(error.messages)}"
        ) from error


def add_to_section(
    link: SavedLink, section: Section, *, by, as_paper: bool | None = None, picture_alt: str = ""
) -> Item | Paper:
    """`link` as a new entry at the end of `section` (a paper for an arXiv link unless
    `as_paper` is False), out of the inbox; InboxError when that cannot be."""
    if link.used_at is not None:
        raise InboxError("This link was already added to an issue.")
    as_paper = link.is_paper if as_paper is None else as_paper
    image = _picture(link, picture_alt, by)
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=section.issue_id)
        if not issue.is_editable:
            raise InboxError(
                f"Issue #{issue.number} is {issue.get_state_display().lower()}, so nothing can "
                "be added to it; choose a draft."
            )
        link = SavedLink.objects.select_for_update().get(pk=link.pk)
        if link.used_at is not None:
            raise InboxError("This link was already added to an issue.")
        last = [
            model.objects.filter(section=section).aggregate(m=Max("position"))["m"]
            for model in (Item, Paper)
        ]
        position = max((p for p in last if p is not None), default=-1) + 1
        entry = _paper(link, section, position) if as_paper else _item(link, section, position)
        entry.image = image
        entry.full_clean()
        entry.save()
        Issue.objects.filter(pk=issue.pk).update(
            version=F("version") + 1, updated_at=timezone.now(), updated_by=by
        )
        link.used_at, link.used_in = timezone.now(), issue
        link.save(update_fields=["used_at", "used_in"])
    return entry


def _item(link: SavedLink, section: Section, position: int) -> Item:
    return Item(
        section=section,
        title=(link.best_title or link.url)[:300],
        url=link.url,
        source=link.site_name[:200],
        body=_commentary(link),
        position=position,
    )


def _paper(link: SavedLink, section: Section, position: int) -> Paper:
    paper = link.paper or {}
    arxiv_id = ""
    if link.arxiv_id:
        arxiv_id = normalise_arxiv_id(link.arxiv_id)
    return Paper(
        section=section,
        title=(paper.get("title") or link.best_title or link.url)[:500],
        authors=", ".join(paper.get("authors") or [])[:1000],
        arxiv_id=arxiv_id,
        paper_url=(paper.get("pdf_url") or link.url)[:1000],
        code_url=(paper.get("code_url") or "")[:1000],
        summary=paper.get("abstract") or _commentary(link),
        position=position,
    )


def discard(link: SavedLink) -> None:
    link.delete()
