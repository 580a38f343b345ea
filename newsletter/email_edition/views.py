"""The email edition of live issues at public URLs, for mailing tools to fetch.

They read only `Revision.objects.live_issues()`, like every public page. Staff download
any revision's edition from its admin page (`newsletter.admin.revisions`).
"""

import base64
import hashlib
import html
import re

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.csp import CSP, build_policy

from newsletter.email_edition.edition import email_html
from newsletter.email_edition.plain_text import email_text
from newsletter.models import Revision
from newsletter.reader.addresses import site_base
from newsletter.reader.http import public_until_next_change

# format -> (builder, content type, file extension)
FORMATS = {
    "html": (email_html, "text/html; charset=utf-8", "html"),
    "text": (email_text, "text/plain; charset=utf-8", "txt"),
}


_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def email_csp(document: str) -> str:
    """The site's policy, letting exactly this document's own styles apply.

    An email's CSS is inline (mail clients read nothing else), so instead of a nonce, which
    a stored response could not repeat, the policy lists the hash of each <style> and of
    each distinct style attribute: any other inline style, and any script, stays refused.
    """
    hashes = {_sha256(css) for css in _STYLE_ELEMENT.findall(document)}
    hashes |= {_sha256(html.unescape(css)) for css in _STYLE_ATTRIBUTE.findall(document)}
    policy = dict(settings.SECURE_CSP)
    policy["style-src"] = [CSP.SELF, CSP.UNSAFE_HASHES, *sorted(hashes)]
    return build_policy(policy)


def _serve(request, number: int, slug: str, *, fmt: str, url_name: str):
    at = timezone.now()
    revision = Revision.objects.live_issues(at).in_full().filter(issue_number=number).first()
    if revision is None:
        raise Http404("No published issue has that number.")
    if slug != revision.slug:
        response = redirect(
            url_name, number=revision.issue_number, slug=revision.slug, permanent=True
        )
    else:
        build, content_type, _ = FORMATS[fmt]
        document = build(revision, base=site_base(request))
        response = HttpResponse(document, content_type=content_type)
        if fmt == "html":
            response[str(CSP.HEADER_ENFORCE)] = email_csp(document)
    # A copy of the issue page for mailing tools: search engines should index the page itself.
    response["X-Robots-Tag"] = "noindex"
    return public_until_next_change(response)


def issue_email(request, number: int, slug: str):
    return _serve(request, number, slug, fmt="html", url_name="newsletter:issue-email")


def issue_email_text(request, number: int, slug: str):
    return _serve(request, number, slug, fmt="text", url_name="newsletter:issue-email-text")
