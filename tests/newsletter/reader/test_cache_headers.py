"""No response header tells when the next publish, correction or end is scheduled.

A countdown in Cache-Control (`s-maxage=N` to the next change) or an Expires at the next
change would let anyone reading headers learn the second of a coming publish. Public
responses carry one constant Cache-Control instead, and shared caches revalidate.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from newsletter.models import Issue, Revision
from tests.helpers.reader import PUBLISHED_CACHE_CONTROL, stored_get
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

EVERY_PUBLIC_ENDPOINT = [
    "/",
    "/issues/",
    "/issues/?page=2",
    "/issues/1-issue-1/",
    "/issues/1/",
    "/issues/2-issue-2/",
    "/papers/",
    "/search/",
    "/search/?q=fitting",
    "/search/?q=zeppelin",
    "/feed/rss/",
    "/feed/atom/",
    "/sitemap.xml",
    "/robots.txt",
    "/api/issues/",
    "/api/issues/1/",
    "/issues/1-issue-1/email/",
    "/issues/1-issue-1/email.txt",
]


@pytest.fixture(autouse=True)
def archive_of_1_a_page(monkeypatch):
    # So /issues/?page=2 is a page of the few issues made here: a page the archive does
    # not have is a 404 (newsletter.reader.paging).
    monkeypatch.setattr("newsletter.reader.views.ARCHIVE_PAGE_SIZE", 1)


# What a response says about itself that a schedule could show through.
SCHEDULE_REVEALING = ("Cache-Control", "Expires", "Age", "Surrogate-Control", "CDN-Cache-Control")


def headers_of_every_endpoint() -> dict:
    """Each endpoint's headers: as built, as served from the cache, and on a 304."""
    seen = {}
    client = Client()
    for url in EVERY_PUBLIC_ENDPOINT:
        miss = stored_get(client, url)
        hit = client.get(url)
        assert miss["X-Cache"] == "miss" and hit["X-Cache"] == "hit", url
        answers = {"miss": miss, "hit": hit}
        if "ETag" in miss:
            answers["304"] = client.get(url, headers={"If-None-Match": miss["ETag"]})
            assert answers["304"].status_code == 304, url
        for kind, response in answers.items():
            headers = dict(response.items())
            headers.pop("X-Request-ID")  # a fresh random id on every response
            seen[(url, kind)] = headers
    return seen


@pytest.mark.parametrize("change", ["publish", "correction", "end"])
def test_a_change_scheduled_37_seconds_ahead_shows_in_no_header(published, make_issue, change):
    first = published(1)
    published(2)
    # A whole second just ahead of the publishes, so both states are read at one moment.
    now = (timezone.now() + timedelta(seconds=2)).replace(microsecond=0)

    with time_machine.travel(now, tick=False):
        nothing_scheduled = headers_of_every_endpoint()

    soon = now + timedelta(seconds=37)
    if change == "publish":
        publish(make_issue(3, title="Coming soon"), at=soon)
    elif change == "correction":
        # The live issue, corrected, goes live again at `soon`.
        Issue.objects.filter(pk=first.pk).update(summary="Corrected.")
        publish(Issue.objects.get(pk=first.pk), at=soon)
    else:
        Revision.objects.filter(issue=first).update(ends_at=soon)
    with time_machine.travel(now, tick=False):
        scheduled = headers_of_every_endpoint()

    assert scheduled.keys() == nothing_scheduled.keys()
    for answer, headers in scheduled.items():
        # Every header, byte for byte: the bodies are the same, so are their tags.
        assert headers == nothing_scheduled[answer], answer
        for name in SCHEDULE_REVEALING:
            assert "37" not in headers.get(name, ""), (answer, name)


def test_public_pages_and_data_carry_one_constant_cache_control(published):
    published(1)
    published(2)

    for (url, kind), headers in headers_of_every_endpoint().items():
        expected = PUBLISHED_CACHE_CONTROL
        if url in ("/robots.txt", "/search/"):
            expected = "public, max-age=300"  # the same whatever is published
        assert headers["Cache-Control"] == expected, (url, kind)
        assert "Expires" not in headers, (url, kind)


def test_shared_caches_revalidate_every_page_so_none_outlives_a_scheduled_change():
    directives = {part.strip() for part in PUBLISHED_CACHE_CONTROL.split(",")}

    # Browsers and CDNs alike must ask again (a 304 when nothing changed) before reuse.
    assert {"public", "max-age=0", "s-maxage=0", "must-revalidate"} <= directives
