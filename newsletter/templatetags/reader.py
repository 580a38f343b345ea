"""Template helpers for the reader's pages, computed from a snapshot dict alone.

They take the snapshot and nothing else, so the admin preview (a snapshot built on the fly)
shows exactly what the public page shows.
"""

import html
import math

from django import template
from django.utils.html import strip_tags

register = template.Library()

WORDS_PER_MINUTE = 230


def snapshot_words(snapshot: dict) -> int:
    """How many words a reader reads: titles, summary, intros, commentary and authors."""
    issue = snapshot.get("issue", {})
    parts = [issue.get("title", ""), issue.get("summary_html", "")]
    for section in snapshot.get("sections", []):
        parts += [section.get("title", ""), section.get("intro_html", "")]
        for entry in section.get("entries", []):
            parts += [
                entry.get("title", ""),
                entry.get("source", ""),
                entry.get("authors", ""),
                entry.get("body_html", ""),
                entry.get("summary_html", ""),
            ]
    text = html.unescape(strip_tags(" ".join(part for part in parts if part)))
    return len(text.split())


@register.filter
def reading_minutes(snapshot: dict) -> int:
    """Minutes to read the issue at 230 words a minute, rounded up, at least one."""
    return max(1, math.ceil(snapshot_words(snapshot) / WORDS_PER_MINUTE))


@register.filter
def first_image_anchor(snapshot: dict) -> str:
    """Which picture comes first on the page ("hero" or an entry's anchor): it is not lazy."""
    if snapshot.get("issue", {}).get("hero_image"):
        return "hero"
    for section in snapshot.get("sections", []):
        for entry in section.get("entries", []):
            if entry.get("image"):
                return entry["anchor"]
    return ""


@register.filter
def thumbnail(image: dict | None) -> dict | None:
    """The smallest rendition of an image reference (or the original when it has none)."""
    if not image:
        return None
    renditions = image.get("renditions") or []
    if renditions:
        smallest = renditions[0]
        return {"url": smallest["url"], "width": smallest["width"], "height": smallest["height"]}
    return {"url": image["url"], "width": image["width"], "height": image["height"]}
