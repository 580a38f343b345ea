"""Freeze the working copy of an issue into the snapshot dict that every page renders.

Markdown is rendered here, once; readers' requests never run it. The same function
builds the admin preview on the fly, so the preview is exactly what readers will see.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.text import slugify

from newsletter.markdown import render
from newsletter.models import Image, Issue

SNAPSHOT_SCHEMA = 1
_MEDIA_SRC = re.compile(r'<img[^>]*? src="' + re.escape(settings.MEDIA_URL) + r'([^"]+)"')


def image_ref(image: Image | None) -> dict | None:
    """Everything a template needs to show an image, frozen with the revision."""
    if image is None:
        return None
    renditions = [
        {"url": default_storage.url(r["name"]), "width": r["width"], "height": r["height"]}
        for r in image.renditions
    ]
    return {
        "id": image.pk,
        "url": image.file.url,
        "width": image.width,
        "height": image.height,
        "alt": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "credit_url": safe_url(image.credit_url),
        "renditions": renditions,
        "srcset": ", ".join(f"{r['url']} {r['width']}w" for r in renditions),
    }


def safe_url(url: str) -> str:
    """Keep a link readers may follow: http(s) only, whatever a form or script stored."""
    url = (url or "").strip()
    return url if urlsplit(url).scheme.lower() in {"http", "https"} else ""


def _anchor(prefix: str, text: str, taken: set[str]) -> str:
    base = f"{prefix}-{slugify(text)[:60]}".rstrip("-") or prefix
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def build_snapshot(issue: Issue) -> dict:
    """Return the frozen, rendered form of `issue` and all it contains, in order."""
    images: dict[int, Image] = {}

    def ref(image):
        if image is not None:
            images[image.pk] = image
        return image_ref(image)

    anchors: set[str] = set()
    sections = []
    html_parts = []
    for section in issue.sections.prefetch_related("items__image", "papers__image"):
        intro_html = render(section.intro, top_heading=3)
        html_parts.append(intro_html)
        entries = []
        for item in section.items.all():
            body_html = render(item.body)
            html_parts.append(body_html)
            entries.append(
                {
                    "kind": "item",
                    "id": item.pk,
                    "anchor": _anchor("item", item.title, anchors),
                    "title": item.title,
                    "url": safe_url(item.url),
                    "source": item.source,
                    "body_html": body_html,
                    "image": ref(item.image),
                }
            )
        for paper in section.papers.all():
            summary_html = render(paper.summary)
            html_parts.append(summary_html)
            entries.append(
                {
                    "kind": "paper",
                    "id": paper.pk,
                    "anchor": _anchor("paper", paper.title, anchors),
                    "title": paper.title,
                    "authors": paper.authors,
                    "arxiv_id": paper.arxiv_id,
                    "arxiv_url": f"https://arxiv.org/abs/{paper.arxiv_id}"
                    if paper.arxiv_id
                    else "",
                    "paper_url": safe_url(paper.paper_url),
                    "code_url": safe_url(paper.code_url),
                    "demo_url": safe_url(paper.demo_url),
                    "summary_html": summary_html,
                    "image": ref(paper.image),
                }
            )
        sections.append(
            {
                "id": section.pk,
                "anchor": _anchor("section", section.title, anchors),
                "title": section.title,
                "intro_html": intro_html,
                "entries": entries,
            }
        )

    summary_html = render(issue.summary, top_heading=2)
    html_parts.append(summary_html)
    hero = ref(issue.hero_image)

    # Pictures dropped into markdown bodies are Images too: reference them so that a
    # published picture cannot be deleted from under the page.
    names = {name for part in html_parts for name in _MEDIA_SRC.findall(part)}
    if names:
        for image in Image.objects.filter(file__in=names):
            images[image.pk] = image

    return {
        "schema": SNAPSHOT_SCHEMA,
        "issue": {
            "id": issue.pk,
            "number": issue.number,
            "title": issue.title,
            "slug": issue.slug,
            "summary_html": summary_html,
            "hero_image": hero,
        },
        "sections": sections,
        "image_ids": sorted(images),
    }
