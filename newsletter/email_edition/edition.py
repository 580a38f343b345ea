"""The email edition of a revision: what both versions show, and the HTML version.

An editor pastes either version into a mailing tool, so both stand alone: every link and
picture is absolute, the HTML carries its CSS inline (css-inline) because many clients
drop <style>, and pictures are single `src`s with a width and height, since many clients
ignore srcset. Pictures are JPEG or PNG (desktop Outlook shows no WebP): the picture's
email renditions, else (a revision frozen before they existed) its original when that is
a JPEG, PNG or GIF, else the email renditions its Image has now; only a picture with none
of these falls back to WebP. Both are built from the revision's snapshot; its HTML fields
are already sanitised. The plain-text version is in `newsletter.email_edition.plain_text`.
"""

import html
import re
from dataclasses import dataclass

import css_inline
from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.timezone import localdate

from newsletter.content.figures import media_name, media_names
from newsletter.content.snapshot import ImageRef, Rendition, narrowest
from newsletter.content.text import plain_text
from newsletter.models import Image, Revision
from newsletter.reader.addresses import absolute, absolutize_html

EMAIL_WIDTH = 600  # px: the column most mail clients show without scrolling
RENDITION_WIDTH = 960  # the rendition sharp enough for EMAIL_WIDTH on a 1.5x screen
PREHEADER_CHARS = 140
EMAIL_SAFE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif")  # what every mail client shows

# Snapshot HTML is serialised by html5ever (nh3), so attribute values are double-quoted.
_IMG = re.compile(r'<img((?:\s+[a-z-]+="[^"]*")*)\s*/?>')
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')
_FRAGMENT_HREF = re.compile(r'\bhref="#')
_KEPT_STYLE = re.compile(r"<head>\s*(<style>.*?</style>)", re.S)


def _sized(width: int, height: int | None) -> tuple[int, int | None]:
    """The size to show a `width` x `height` picture at in the email column."""
    shown = min(EMAIL_WIDTH, width)
    return shown, (round(height * shown / width) if height else None)


def _widest_enough(renditions) -> Rendition | None:
    """The rendition sharp enough for the email column, else the widest there is."""
    renditions = list(renditions)
    if not renditions:
        return None
    return narrowest(renditions, at_least=RENDITION_WIDTH) or max(renditions, key=lambda r: r.width)


def _email_safe(url: str) -> bool:
    return url.lower().split("?", 1)[0].endswith(EMAIL_SAFE_EXTENSIONS)


def _picture_src(email_renditions, original_url: str, now: Image | None, webp) -> str:
    """The one picture an email shows: see the module's docstring for the order."""
    chosen = _widest_enough(email_renditions)
    if chosen is not None:
        return chosen.url
    if _email_safe(original_url):
        return original_url
    chosen = _widest_enough(now.rendition_list(email=True)) if now is not None else None
    if chosen is not None:
        return chosen.url
    chosen = _widest_enough(webp)
    return chosen.url if chosen is not None else original_url


def _email_image(ref: ImageRef | None, base: str, images: dict[int, Image]) -> dict | None:
    """A snapshot image reference as the email shows it: one src, a size, alt text."""
    if not ref:
        return None
    width, height = _sized(ref.width, ref.height)
    src = _picture_src(ref.email_renditions, ref.url, images.get(ref.id), ref.renditions)
    return {
        "src": absolute(src, base),
        "width": width,
        "height": height,
        "alt": ref.alt,
        "caption": ref.caption,
        "credit": ref.credit,
        "credit_url": ref.credit_url,
    }


def _images_lacking_email_renditions(refs) -> dict[int, Image]:
    """The Images of old pictures with neither email renditions nor a JPEG/PNG/GIF
    original, by id, in one query (none for a current revision)."""
    ids = {
        ref.id
        for ref in refs
        if ref and ref.id and not ref.email_renditions and not _email_safe(ref.url)
    }
    return {image.pk: image for image in Image.objects.filter(pk__in=ids)} if ids else {}


def _uploads_in(fragments: list[str]) -> dict[str, Image]:
    """The Images that markdown bodies show, by the name of the file they show (an
    original, or the rendition the snapshot put in its place), in one query."""
    names = {name for fragment in fragments for name in media_names(fragment)}
    if not names:
        return {}
    shows = Q(file__in=names)
    for name in names:
        shows |= Q(renditions__contains=[{"name": name}])
    found = {}
    for image in Image.objects.filter(shows):
        for name in image.stored_names():
            if name in names:
                found[name] = image
    return found


def _email_fragment(fragment: str, *, base: str, web_url: str, uploads: dict[str, Image]) -> str:
    """Sanitised snapshot HTML made fit for mail: absolute links, plain sized images."""
    if not fragment:
        return ""

    def img(match: re.Match) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        src = attrs.get("src", "")
        upload = uploads.get(media_name(src) or "")
        if upload is not None:
            picked = _picture_src(
                upload.rendition_list(email=True),
                upload.file.url,
                upload,
                upload.rendition_list(),
            )
            src = html.escape(picked)
            width, height = _sized(upload.width, upload.height)
        elif attrs.get("width", "").isdigit() and int(attrs["width"]) > 0:
            given = attrs.get("height", "")
            width, height = _sized(int(attrs["width"]), int(given) if given.isdigit() else None)
        else:
            width, height = EMAIL_WIDTH, None
        tag = f'<img src="{src}" width="{width}"'
        if height:
            tag += f' height="{height}"'
        tag += f' alt="{attrs.get("alt", "")}"'
        if attrs.get("title"):
            tag += f' title="{attrs["title"]}"'
        return tag + ">"

    fragment = _IMG.sub(img, fragment)
    # A link within the page works only on the page itself.
    fragment = _FRAGMENT_HREF.sub(f'href="{html.escape(web_url)}#', fragment)
    return absolutize_html(fragment, base)


def _preheader(summary_html: str) -> str:
    return Truncator(plain_text(summary_html)).chars(PREHEADER_CHARS)


def _dates(revision: Revision) -> dict:
    """The issue's date, as its page shows it: when the issue first went live, which a
    correction keeps; and, for a correction that went live another day, that day."""
    date = revision.issue_first_published()
    later = revision.go_live_at
    updated = date is not None and later is not None and localdate(later) != localdate(date)
    return {"date": date, "updated": later if updated else None}


@dataclass(frozen=True)
class Pictures:
    """The Images that some revisions' email pictures are chosen from, found at once."""

    uploads: dict[str, Image]  # what markdown bodies show, by the name of the file shown
    images: dict[int, Image]  # old pictures with neither email renditions nor a safe original

    @classmethod
    def of(cls, revisions) -> "Pictures":
        """For every revision of `revisions` together: two queries at most, none if no
        markdown shows a picture of ours and every picture has email renditions."""
        snapshots = [revision.content for revision in revisions]
        return cls(
            uploads=_uploads_in([f for s in snapshots for f in s.html_fragments()]),
            images=_images_lacking_email_renditions(
                [
                    ref
                    for s in snapshots
                    for ref in [s.issue.hero_image, *(entry.image for _, entry in s.entries())]
                ]
            ),
        )


def edition(
    revision: Revision, base: str, links: dict | None = None, *, pictures: Pictures | None = None
) -> dict:
    """Everything both versions show, with links absolute and HTML made fit for mail.

    `pictures`: `Pictures.of` revisions including this one, for whoever shows several
    (the feeds); by default this revision's are looked up.
    """
    snapshot = revision.content
    issue = snapshot.issue
    web_url = absolute(revision.get_absolute_url(), base)
    if pictures is None:
        pictures = Pictures.of([revision])
    uploads, images = pictures.uploads, pictures.images

    def fit(fragment: str) -> str:
        return _email_fragment(fragment, base=base, web_url=web_url, uploads=uploads)

    sections = []
    for section in snapshot.sections:
        entries = []
        for entry in section.entries:
            paper = entry.kind == "paper"
            entries.append(
                {
                    "kind": entry.kind,
                    "title": entry.title,
                    "url": "" if paper else absolute(entry.url, base),
                    "source": "" if paper else entry.source,
                    "authors": entry.authors if paper else "",
                    "arxiv_id": entry.arxiv_id if paper else "",
                    "arxiv_url": entry.arxiv_url if paper else "",
                    "paper_url": entry.paper_url if paper else "",
                    "code_url": entry.code_url if paper else "",
                    "demo_url": entry.demo_url if paper else "",
                    "body_html": fit(entry.text_html),
                    "image": _email_image(entry.image, base, images),
                }
            )
        sections.append(
            {"title": section.title, "intro_html": fit(section.intro_html), "entries": entries}
        )
    return {
        "site_name": settings.SITE_NAME,
        "site_url": base,
        "archive_url": absolute(reverse("newsletter:archive"), base),
        "web_url": web_url,
        **_dates(revision),
        "issue": {
            "number": issue.number,
            "title": issue.title,
            "summary_html": fit(issue.summary_html),
            "hero": _email_image(issue.hero_image, base, images),
        },
        "preheader": _preheader(issue.summary_html),
        "sections": sections,
        # A subscriber's copy: {"unsubscribe_url", "preferences_url"} for the footer.
        "links": links or {},
    }


def email_html(revision: Revision, *, base: str, links: dict | None = None) -> str:
    """A complete HTML document for mail clients, CSS inlined, every URL absolute.

    `links` (a subscriber's copy): {"unsubscribe_url", "preferences_url"} for the footer.
    """
    document = render_to_string("newsletter/email/issue.html", edition(revision, base, links))
    # @media rules (dark mode, narrow screens) cannot be inlined: they stay in <style>.
    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
    document = inliner.inline(document)
    # css-inline puts that <style> first in <head>: move it after <meta charset>, which
    # must come within the first 1024 bytes for a saved or pasted file to decode right.
    kept = _KEPT_STYLE.search(document)
    if kept:
        document = _KEPT_STYLE.sub("<head>", document, count=1)
        document = document.replace("</head>", kept.group(1) + "\n</head>", 1)
    return document
