"""Nothing public shows a scheduled issue before its time, or a draft at all.

One issue is live, one scheduled for tomorrow, one a draft, each with a marker word.
The crawl follows every link from the home page and the sitemap, and visits every
public endpoint (feeds, search for each marker, API, email edition) by name.
"""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

MARKERS = {"live": "zanzibarlive", "scheduled": "quokkascheduled", "draft": "narwhaldraft"}
LINK = re.compile(r'(?:href|src)="([^"]+)"|<loc>([^<]+)</loc>')


@pytest.fixture
def three_issues(make_issue):
    issues = {}
    for number, (kind, marker) in enumerate(MARKERS.items(), start=1):
        issue = make_issue(
            number=number,
            title=f"Issue about {marker}",
            slug=f"issue-{marker}",
            summary=f"The {marker} summary.",
        )
        item = issue.sections.first().items.first()
        item.body = f"Body mentioning {marker} twice: {marker}."
        item.save()
        issues[kind] = issue
    publish(issues["live"])
    publish(issues["scheduled"], at=timezone.now() + timedelta(days=1))
    # The draft's working copy also holds an approved-then-withdrawn look-alike: nothing.
    return issues


def named_urls(issues):
    search = reverse("newsletter:search")
    urls = ["/", "/issues/", "/robots.txt", "/sitemap.xml", "/api/issues/", "/api/openapi.json"]
    urls += [
        reverse(name)
        for name in ("newsletter:papers", "newsletter:feed-rss", "newsletter:feed-atom")
    ]
    for issue in issues.values():
        number, slug = issue.number, issue.slug
        urls += [f"/issues/{number}/", f"/issues/{number}-{slug}/", f"/api/issues/{number}/"]
        for name in ("newsletter:issue-email", "newsletter:issue-email-text"):
            urls.append(reverse(name, kwargs={"number": number, "slug": slug}))
    # In capitals: the search page repeats the query, the content has the marker in
    # lower case, and the check below is case-sensitive.
    urls += [f"{search}?q={marker.upper()}" for marker in MARKERS.values()]
    urls += [f"{search}?q=issue", f"{search}?q=%22issue+about%22"]
    return urls


def crawl(client, start):
    """Fetch every URL reachable on this site from `start`; return {url: body}."""
    seen, queue, bodies = set(), list(start), {}
    while queue and len(seen) < 500:
        url = urldefrag(queue.pop(0))[0]
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        body = response.content.decode("utf-8", "replace")
        bodies[url] = body
        if response["Content-Type"].split(";")[0] not in {
            "text/html", "application/xml", "application/rss+xml", "application/atom+xml",
            "application/json", "text/plain",
        }:  # fmt: skip
            continue
        for match in LINK.finditer(body):
            link = unescape(match.group(1) or match.group(2))
            parts = urlsplit(urljoin("http://testserver" + url, link))
            if parts.netloc == "testserver" and not parts.path.startswith(
                ("/admin/", "/static/", "/media/")
            ):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return bodies


def test_no_public_url_shows_a_scheduled_or_draft_issue(client, three_issues):
    bodies = crawl(client, named_urls(three_issues))

    assert len(bodies) >= 15
    leaks = [
        f"{url} shows the {kind} marker"
        for url, body in bodies.items()
        for kind in ("scheduled", "draft")
        if MARKERS[kind] in body
    ]
    assert leaks == []
    # The crawl does see what is live, so it would have caught a leak.
    assert sum(MARKERS["live"] in body.lower() for body in bodies.values()) >= 5
