"""Build the typed snapshot of an issue's working copy: what every view of the issue renders.

Markdown is rendered here, once; readers' requests never run it. Freezing a revision and
the admin preview both call `build_snapshot`, so the preview is exactly what readers see.
"""

import dataclasses
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from django.utils.text import slugify

from newsletter.content.figures import media_names, place_figures
from newsletter.content.markdown import render
from newsletter.content.snapshot import (
    ImageRef,
    IssuePart,
    ItemEntry,
    PaperEntry,
    Rendition,
    SectionPart,
    Snapshot,
)
from newsletter.models import Image, Issue


def image_ref(image: Image | None) -> ImageRef | None:
    """Everything a template needs to show an image, frozen with the revision."""
    if image is None:
        return None
    renditions = tuple(
        Rendition(url=default_storage.url(r["name"]), width=r["width"], height=r["height"])
        for r in image.stored_renditions()
    )
    email_renditions = tuple(
        Rendition(url=default_storage.url(r["name"]), width=r["width"], height=r["height"])
        for r in image.stored_renditions(email=True)
    )
    return ImageRef(
        id=image.pk,
        url=image.file.url,
        width=image.width,
        height=image.height,
        alt=image.alt_text,
        caption=image.caption,
        credit=image.credit,
        credit_url=safe_url(image.credit_url),
        renditions=renditions,
        srcset=", ".join(f"{r.url} {r.width}w" for r in renditions),
        email_renditions=email_renditions,
    )


def safe_url(url: str) -> str:
    """Keep a link readers may follow: http(s) only, whatever a form or script stored."""
    url = (url or "").strip()
    return url if urlsplit(url).scheme.lower() in {"http", "https"} else ""


class _Anchors:
    """Unique, readable fragment ids for one page: `item-fine-tuning`, `item-fine-tuning-2`."""

    def __init__(self):
        self.taken: set[str] = set()

    def __call__(self, prefix: str, text: str) -> str:
        base = f"{prefix}-{slugify(text)[:60]}".rstrip("-") or prefix
        anchor, n = base, 2
        while anchor in self.taken:
            anchor, n = f"{base}-{n}", n + 1
        self.taken.add(anchor)
        return anchor


def build_snapshot(issue: Issue) -> Snapshot:
    """Return the frozen, rendered form of `issue` and all it contains, in order."""
    images: dict[int, Image] = {}

    def ref(image):
        if image is not None:
            images[image.pk] = image
        return image_ref(image)

    anchor = _Anchors()
    sections = []
    for section in issue.sections.prefetch_related("items__image", "papers__image"):
        entries = [
            ItemEntry(
                id=item.pk,
                anchor=anchor("item", item.title),
                title=item.title,
                url=safe_url(item.url),
                source=item.source,
                body_html=render(item.body),
                image=ref(item.image),
            )
            for item in section.items.all()
        ]
        entries += [
            PaperEntry(
                id=paper.pk,
                anchor=anchor("paper", paper.title),
                title=paper.title,
                authors=paper.authors,
                arxiv_id=paper.arxiv_id,
                arxiv_url=f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else "",
                paper_url=safe_url(paper.paper_url),
                code_url=safe_url(paper.code_url),
                demo_url=safe_url(paper.demo_url),
                summary_html=render(paper.summary),
                image=ref(paper.image),
            )
            for paper in section.papers.all()
        ]
        sections.append(
            SectionPart(
                id=section.pk,
                anchor=anchor("section", section.title),
                title=section.title,
                intro_html=render(section.intro, top_heading=3),
                entries=tuple(entries),
            )
        )

    head = IssuePart(
        id=issue.pk,
        number=issue.number,
        title=issue.title,
        slug=issue.slug,
        summary_html=render(issue.summary, top_heading=2),
        hero_image=ref(issue.hero_image),
    )
    snapshot = Snapshot(issue=head, sections=tuple(sections), image_ids=())

    # Pictures placed in markdown are Images too: they become figures like an item's
    # picture, and are referenced so that a published picture cannot be deleted.
    names = {name for part in snapshot.html_fragments() for name in media_names(part)}
    refs = {}
    if names:
        for image in Image.objects.filter(file__in=names):
            images[image.pk] = image
            refs[image.file.name] = image_ref(image)
    snapshot = _with_figures(snapshot, refs) if refs else snapshot
    return dataclasses.replace(snapshot, image_ids=tuple(sorted(images)))


def _with_figures(snapshot: Snapshot, refs: dict[str, ImageRef]) -> Snapshot:
    """The snapshot with its markdown pictures placed as figures (newsletter.content.figures)."""

    def entry(e):
        field = "summary_html" if e.kind == "paper" else "body_html"
        return dataclasses.replace(e, **{field: place_figures(getattr(e, field), refs)})

    sections = tuple(
        dataclasses.replace(
            s,
            intro_html=place_figures(s.intro_html, refs),
            entries=tuple(entry(e) for e in s.entries),
        )
        for s in snapshot.sections
    )
    issue = dataclasses.replace(
        snapshot.issue, summary_html=place_figures(snapshot.issue.summary_html, refs)
    )
    return dataclasses.replace(snapshot, issue=issue, sections=sections)
