"""Every public page: its status and the exact number of queries it costs, built and cached.

The same count for a site of 3 issues and of 15 (no query per issue), and one query (the
publication state) once the whole-response cache holds the page.
"""

import pytest
from django.test import Client

from newsletter.models import Issue, Revision
from tests.helpers.reader import STATE_QUERY, correct

pytestmark = pytest.mark.django_db

# URL, status, queries when the page is built (state query included), stored or not.
PUBLIC_PAGES = [
    ("/", 200, STATE_QUERY + 2, True),
    ("/issues/", 200, STATE_QUERY + 2, True),
    ("/issues/?page=2", 200, STATE_QUERY + 2, True),
    ("/issues/2-issue-2/", 200, STATE_QUERY + 1, True),  # corrected once
    ("/issues/3-issue-3/", 200, STATE_QUERY + 1, True),
    ("/issues/3/", 301, STATE_QUERY + 1, True),
    ("/issues/3-old-slug/", 301, STATE_QUERY + 1, True),
    ("/papers/", 200, STATE_QUERY + 2, True),  # years and counts; one page
    ("/papers/?year=2020", 200, STATE_QUERY + 2, True),
    ("/search/", 200, STATE_QUERY, True),
    ("/search/?q=laptop", 200, STATE_QUERY + 2, True),
    # A page a listing does not have: a 404 that counts the pages there are, never stored.
    ("/search/?q=laptop&page=abc", 404, STATE_QUERY + 2, False),
    ("/search/?q=laptop&page=99999", 404, STATE_QUERY + 2, False),
    ("/search/?page=2", 404, STATE_QUERY, False),
    ("/feed/rss/", 200, STATE_QUERY + 1, True),
    ("/feed/atom/", 200, STATE_QUERY + 1, True),
    ("/sitemap.xml", 200, STATE_QUERY + 1, True),
    ("/robots.txt", 200, STATE_QUERY, True),
    ("/api/issues/", 200, STATE_QUERY + 2, True),
    ("/api/issues/2/", 200, STATE_QUERY + 1, True),
    ("/issues/2-issue-2/email/", 200, STATE_QUERY + 1, True),
    ("/issues/2-issue-2/email.txt", 200, STATE_QUERY + 1, True),
    # The subscribe form sets the CSRF cookie: never stored, so no state query either.
    ("/subscribe/", 200, 1, False),
]


@pytest.fixture(autouse=True)
def archive_of_2_a_page(monkeypatch):
    # So /issues/?page=2 is a page of the few issues made here: a page the archive does
    # not have is a 404 (newsletter.reader.paging).
    monkeypatch.setattr("newsletter.reader.views.ARCHIVE_PAGE_SIZE", 2)


@pytest.fixture
def site(published):
    """`count` live issues, the second one corrected (its second revision is live)."""

    def make(count: int):
        for number in range(1, count + 1):
            published(number)
        correct(Issue.objects.get(number=2), summary="Corrected summary.")

    return make


@pytest.mark.parametrize("issues", [3, 15])
@pytest.mark.parametrize(("url", "status", "queries", "stored"), PUBLIC_PAGES)
def test_every_public_page_answers_with_its_status_in_a_fixed_number_of_queries(
    site, django_assert_num_queries, issues, url, status, queries, stored
):
    site(issues)
    client = Client()

    with django_assert_num_queries(queries):
        built = client.get(url)
    assert built.status_code == status
    if not stored:
        assert "X-Cache" not in built
        return
    assert built["X-Cache"] == "miss"
    if "?" in url:  # stored the second time it is asked (newsletter/reader/admission.py)
        with django_assert_num_queries(queries):
            built = client.get(url)
        assert built["X-Cache"] == "miss"

    with django_assert_num_queries(STATE_QUERY):
        hit = client.get(url)
    assert hit.status_code == status
    assert hit["X-Cache"] == "hit"
    assert hit.content == built.content

    if "ETag" in built:
        with django_assert_num_queries(STATE_QUERY):
            revalidated = client.get(url, headers={"If-None-Match": built["ETag"]})
        assert revalidated.status_code == 304


def test_the_corrected_issue_serves_its_correction(site):
    site(3)

    page = Client().get("/issues/2-issue-2/").content.decode()

    assert Revision.objects.filter(issue__number=2).count() == 2
    assert "Corrected summary." in page
