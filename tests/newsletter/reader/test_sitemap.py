"""sitemap.xml lists the public pages and live issues only; robots.txt points crawlers to it."""

import contextlib
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from newsletter.models import Issue
from tests.helpers.reader import (
    HOST,
    PUBLISHED_CACHE_CONTROL,
    STATE_QUERY,
    correct,
    renumbered_before_the_rule,
)

pytestmark = pytest.mark.django_db


NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap(client) -> dict[str, str | None]:
    """{location: lastmod} from /sitemap.xml, which must be well-formed XML."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own response)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return {
        url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
        for url in root.findall("s:url", NS)
    }


def page_urls() -> set[str]:
    urls = {f"{HOST}", f"{HOST}issues/"}
    with contextlib.suppress(NoReverseMatch):  # the papers index may not exist yet
        urls.add(HOST.rstrip("/") + reverse("newsletter:papers"))
    return urls


def test_the_sitemap_lists_the_public_pages_and_live_issues_only(client, published, make_issue):
    tomorrow = timezone.now() + timedelta(days=1)
    published(1)
    published(2, at=tomorrow)
    make_issue(3)

    locations = set(sitemap(client))

    assert locations == page_urls() | {f"{HOST}issues/1-issue-1/"}

    with time_machine.travel(tomorrow + timedelta(seconds=1)):
        locations = set(sitemap(client))
    assert locations == page_urls() | {f"{HOST}issues/1-issue-1/", f"{HOST}issues/2-issue-2/"}


def test_an_issue_is_last_modified_when_its_live_revision_went_live(client, published):
    issue = published(1)
    corrected_at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

    with time_machine.travel(corrected_at, tick=False):
        correct(issue, title="Corrected", slug="corrected")
        entries = sitemap(client)

    assert f"{HOST}issues/1-issue-1/" not in entries
    assert entries[f"{HOST}issues/1-corrected/"] == corrected_at.date().isoformat()


def test_the_sitemap_never_reads_the_working_copy(client, published):
    issue = published(1)
    Issue.objects.filter(pk=issue.pk).update(slug="marker")
    renumbered_before_the_rule(issue, 9)

    assert f"{HOST}issues/1-issue-1/" in sitemap(client)


def test_the_sitemap_carries_the_same_cache_control_whether_or_not_an_issue_is_scheduled(
    client, published
):
    published(1)
    assert client.get("/sitemap.xml")["Cache-Control"] == PUBLISHED_CACHE_CONTROL

    at = (timezone.now() + timedelta(seconds=46)).replace(microsecond=0)
    published(2, at=at)
    with time_machine.travel(at - timedelta(seconds=45), tick=False):
        assert client.get("/sitemap.xml")["Cache-Control"] == PUBLISHED_CACHE_CONTROL


def test_the_sitemap_runs_one_query_however_many_issues(
    client, published, django_assert_num_queries
):
    for number in range(1, 6):
        published(number)

    # The listing carries the next scheduled change too: no second query for the header.
    with django_assert_num_queries(STATE_QUERY + 1):
        client.get("/sitemap.xml")


def test_robots_txt_allows_crawling_except_private_paths_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for rule in ("Allow: /", "Disallow: /admin/", "Disallow: /preview/", "Disallow: /search/"):
        assert rule in lines
    assert f"Sitemap: {HOST}sitemap.xml" in lines
    assert "Disallow: /" not in lines
