"""The public pages: home, archive and issue, rendered from live revisions' snapshots only."""

import re
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.db import connection
from django.template import loader
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone

from newsletter.models import Issue, Item, Paper, Revision, Section
from tests.helpers.reader import (
    PUBLISHED_CACHE_CONTROL,
    STATE_QUERY,
    make_image,
    public_url,
    renumbered_before_the_rule,
)
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

WORKING_COPY_TABLES = (
    "newsletter_issue",
    "newsletter_section",
    "newsletter_item",
    "newsletter_paper",
)


def text(response) -> str:
    return response.content.decode()


def public_pages(number=1, slug="issue-1"):
    return ["/", "/issues/", f"/issues/{number}-{slug}/"]


# Home


def test_the_home_page_shows_the_latest_live_issue_in_full_and_not_a_draft(
    client, published, make_issue
):
    published(1, title="The first issue")
    published(2, title="The second issue")
    make_issue(3, title="A draft nobody should see")

    response = client.get("/")

    assert response.status_code == 200
    page = text(response)
    assert re.search(r"<h1><a href=\"/issues/2-issue-2/\">The second issue</a></h1>", page)
    assert "Attention Is All You Need" in page
    assert "A draft nobody should see" not in page
    assert '<a href="/issues/1-issue-1/"><span class="issue-number">#1</span> The first issue' in (
        page
    )


def test_the_home_page_lists_at_most_five_recent_issues_besides_the_latest(client, published):
    for number in range(1, 8):
        published(number, title=f"Issue title {number}")

    response = client.get("/")

    recent = re.findall(
        r'<a href="/issues/(\d+)-issue-\d+/"><span class="issue-number">', text(response)
    )
    assert recent == ["6", "5", "4", "3", "2"]


def test_the_home_page_says_so_when_nothing_is_published_yet(client, make_issue):
    make_issue(1, title="Unpublished draft")

    response = client.get("/")

    assert response.status_code == 200
    assert "No issue has been published yet" in text(response)
    assert "Unpublished draft" not in text(response)


# Archive


def test_the_archive_lists_live_issues_newest_first_with_date_and_summary(
    client, published, make_issue
):
    for number in (1, 3, 2):
        published(number, title=f"Issue title {number}", summary=f"Summary of *{number}*.")
    make_issue(4, title="Issue title 4")

    response = client.get("/issues/")

    assert response.status_code == 200
    page = text(response)
    assert re.findall(r"Issue title (\d)", page) == ["3", "2", "1"]
    assert "<p>Summary of <em>3</em>.</p>" in page
    revision = Revision.objects.get(issue__number=3)
    stamp = revision.go_live_at.astimezone(timezone.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'<time datetime="{stamp}">' in page


def test_the_archive_shows_twelve_issues_a_page_with_prev_and_next_links(client, published):
    for number in range(1, 14):
        published(number, title=f"Issue title {number}")

    first = text(client.get("/issues/"))
    second = text(client.get("/issues/?page=2"))

    assert re.findall(r"Issue title (\d+)", first) == [str(n) for n in range(13, 1, -1)]
    assert re.findall(r"Issue title (\d+)", second) == ["1"]
    assert '<a rel="next" href="/issues/?page=2">' in first
    assert 'rel="prev"' not in first
    assert '<a rel="prev" href="/issues/">' in second
    assert 'rel="next"' not in second
    assert '<link rel="canonical" href="http://127.0.0.1:8000/issues/?page=2">' in second


BAD_PAGES = ["abc", "0", "-1", "99999", "1.5", "", "02", " 2", "2 ", "٢", "9" * 5000, "1\x00"]


LISTINGS = ["/issues/", "/papers/", "/papers/?year=2026", "/search/?q=fitting", "/search/?q=the"]


@pytest.mark.parametrize("listing", LISTINGS)
@pytest.mark.parametrize("page", BAD_PAGES)
def test_a_page_the_listing_does_not_have_is_a_404_that_says_which_pages_there_are(
    client, published, listing, page
):
    """Never page 1 (or the last) passed off as the page asked for, and never a 500: the
    archive, the papers index and search page the same way (newsletter.reader.paging); a
    search with no word to look for ("the") has its one page."""
    published(1)
    path, _, query_string = listing.partition("?")
    query = {**dict(parse_qsl(query_string)), "page": page}

    response = client.get(path, query)

    assert response.status_code == 404
    body = text(response)
    assert "<h1>No such page</h1>" in body
    assert "its pages are numbered 1 to 1." in body
    if page == "99999":
        assert "has no page 99999" in body
    elif page in ("abc", "1.5"):
        assert f"“{page}” is not a page number" in body
    assert "Small models, big ideas" not in body  # no page of the listing is shown as it
    assert 'rel="canonical"' not in body
    assert f'<a href="{listing}">The first page of the ' in body


@pytest.mark.parametrize("listing", ["/issues/", "/papers/", "/search/?q=fitting"])
def test_the_first_page_is_there_with_or_without_its_number(client, published, listing):
    published(1)
    for suffix in ("", "&page=1" if "?" in listing else "?page=1"):
        response = client.get(listing + suffix)
        assert response.status_code == 200
        assert "Small models, big ideas" in text(response) or listing == "/papers/"


def test_a_page_past_the_end_links_to_the_last_one(client, published, monkeypatch):
    monkeypatch.setattr("newsletter.reader.views.ARCHIVE_PAGE_SIZE", 1)
    for number in (1, 2, 3):
        published(number)

    response = client.get("/issues/", {"page": "4"})

    assert response.status_code == 404
    body = text(response)
    assert "The archive has no page 4: its pages are numbered 1 to 3." in body
    assert '<a href="/issues/?page=3">Its last page, 3</a>' in body


# Issue page and its addresses


def test_an_issue_page_renders_every_section_item_and_paper_from_the_snapshot(client, published):
    published(1)

    page = text(client.get("/issues/1-issue-1/"))

    assert "<h1>Small models, big ideas</h1>" in page
    assert '<section class="issue-section" id="section-my-work">' in page
    assert '<a href="#section-papers-research">Papers &amp; research</a>' in page
    assert '<h3><a href="https://example.com/laptop">Fine-tuning on a laptop</a></h3>' in page
    assert '<p class="entry-meta source">Example blog</p>' in page
    assert "<h3>A tiny eval harness</h3>" in page
    assert '<a href="https://arxiv.org/abs/1706.03762">arXiv:1706.03762</a>' in page
    assert "Ashish Vaswani, Noam Shazeer" in page
    assert "<p>What I learned fitting a model in <em>8 GB</em>.</p>" in page
    assert '<link rel="canonical" href="http://127.0.0.1:8000/issues/1-issue-1/">' in page
    assert '<meta name="description" content="A month of compact models.">' in page


def test_a_wrong_slug_redirects_permanently_to_the_canonical_address(client, published):
    published(1)

    response = client.get("/issues/1-not-the-slug/")

    assert response.status_code == 301
    assert response["Location"] == "/issues/1-issue-1/"


def test_the_short_address_redirects_permanently_to_the_canonical_address(client, published):
    published(1)

    response = client.get("/issues/1/")

    assert response.status_code == 301
    assert response["Location"] == "/issues/1-issue-1/"


def test_a_number_written_with_a_leading_zero_is_not_an_address(client, published):
    published(1)

    assert client.get("/issues/01-issue-1/").status_code == 404


def test_a_number_with_only_a_draft_is_not_found(client, make_issue):
    make_issue(1)

    assert client.get("/issues/1-issue-1/").status_code == 404
    assert client.get("/issues/1/").status_code == 404


def test_a_scheduled_revision_is_not_found_until_its_time_then_is_served(client, published):
    go_live = timezone.now() + timedelta(hours=1)
    published(1, at=go_live)

    assert client.get("/issues/1-issue-1/").status_code == 404
    assert "Small models, big ideas" not in text(client.get("/"))
    with time_machine.travel(go_live, tick=False):
        assert client.get("/issues/1-issue-1/").status_code == 200
        assert "Small models, big ideas" in text(client.get("/"))


def test_an_ended_revision_is_not_found(client, published):
    published(1)
    now = timezone.now()
    Revision.objects.update(go_live_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))

    assert client.get("/issues/1-issue-1/").status_code == 404
    assert "Small models, big ideas" not in text(client.get("/issues/"))


def test_a_renamed_issue_keeps_its_address_until_the_new_revision_is_published(
    client, published, editor
):
    issue = published(1)
    Issue.objects.filter(pk=issue.pk).update(slug="renamed", title="Renamed")

    assert client.get("/issues/1-issue-1/").status_code == 200
    assert client.get("/issues/1-renamed/")["Location"] == "/issues/1-issue-1/"

    publish(Issue.objects.get(pk=issue.pk))

    assert client.get("/issues/1-issue-1/")["Location"] == "/issues/1-renamed/"
    assert "<h1>Renamed</h1>" in text(client.get("/issues/1-renamed/"))


# Nothing public reads the working copy


def test_no_public_page_shows_edits_made_to_the_working_copy_after_publishing(client, published):
    issue = published(1)
    Issue.objects.filter(pk=issue.pk).update(
        title="MARKER-TITLE", slug="marker-slug", summary="MARKER-SUMMARY"
    )
    renumbered_before_the_rule(issue, 77)
    Section.objects.filter(issue=issue).update(title="MARKER-SECTION", intro="MARKER-INTRO")
    Item.objects.filter(section__issue=issue).update(title="MARKER-ITEM", body="MARKER-BODY")
    Paper.objects.filter(section__issue=issue).update(title="MARKER-PAPER")

    for url in [*public_pages(), "/issues/1/"]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert "MARKER" not in text(response).upper(), url
    assert client.get("/issues/77-marker-slug/").status_code == 404


def test_no_public_page_queries_the_working_copy_tables(client, published):
    published(1)

    for url in [*public_pages(), "/issues/1/", "/issues/1-wrong/", "/issues/2-issue-2/"]:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        assert queries.captured_queries, url
        for query in queries.captured_queries:
            for table in WORKING_COPY_TABLES:
                assert table not in query["sql"], (url, query["sql"])


def test_public_pages_run_a_small_constant_number_of_queries(
    client, published, django_assert_num_queries
):
    for number in range(1, 16):
        published(number)

    with django_assert_num_queries(STATE_QUERY + 2):
        client.get("/")
    with django_assert_num_queries(STATE_QUERY + 2):
        client.get("/issues/")
    with django_assert_num_queries(STATE_QUERY + 1):
        client.get("/issues/15-issue-15/")
    with django_assert_num_queries(STATE_QUERY + 1):
        client.get("/issues/15/")


def test_an_empty_site_still_answers_in_two_queries_at_most(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(STATE_QUERY + 2):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(STATE_QUERY + 2):
        assert client.get("/issues/").status_code == 200


# Caching


def test_public_pages_are_revalidated_by_every_cache_when_nothing_is_scheduled(client, published):
    published(1)

    for url in [*public_pages(), "/issues/1/"]:
        assert client.get(url)["Cache-Control"] == PUBLISHED_CACHE_CONTROL, url


def test_public_pages_do_not_tell_that_a_revision_is_scheduled_in_a_minute(
    client, published, make_issue, editor
):
    published(1)
    # Schedules are kept to the second: choose a whole second, look a minute before it.
    at = (timezone.now() + timedelta(seconds=61)).replace(microsecond=0)
    publish(make_issue(2), at=at)

    with time_machine.travel(at - timedelta(seconds=60), tick=False):
        for url in public_pages():
            assert client.get(url)["Cache-Control"] == PUBLISHED_CACHE_CONTROL, url


def test_public_pages_do_not_tell_when_a_live_revision_ends(client, published):
    published(1)
    now = timezone.now()
    Revision.objects.update(ends_at=now + timedelta(seconds=42))

    with time_machine.travel(now, tick=False):
        assert client.get("/issues/1-issue-1/")["Cache-Control"] == PUBLISHED_CACHE_CONTROL


def test_an_empty_site_does_not_tell_when_its_first_issue_is_scheduled(client, published):
    at = (timezone.now() + timedelta(seconds=91)).replace(microsecond=0)
    published(1, at=at)

    with time_machine.travel(at - timedelta(seconds=90), tick=False):
        assert client.get("/")["Cache-Control"] == PUBLISHED_CACHE_CONTROL
        assert client.get("/issues/")["Cache-Control"] == PUBLISHED_CACHE_CONTROL


def test_a_missing_issue_is_not_cached_publicly(client):
    response = client.get("/issues/5-nothing/")

    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")


# Images


def test_an_image_renders_with_its_size_alt_text_srcset_and_credit(client, make_issue, editor):
    issue = make_issue(1)
    picture = make_image(
        "laptop", caption="A laptop on a desk", credit="Jo Doe", credit_url="https://jo.example"
    )
    Item.objects.filter(title="Fine-tuning on a laptop").update(image=picture)
    publish(issue)

    page = parse_html(text(client.get("/issues/1-issue-1/")))

    assert (
        parse_html(
            '<img src="/media/renditions/laptop-960.webp"'
            ' srcset="/media/renditions/laptop-480.webp 480w, /media/renditions/laptop-960.webp'
            ' 960w, /media/renditions/laptop-1600.webp 1600w"'
            ' sizes="(min-width: 45rem) 42rem, calc(100vw - 2.5rem)"'
            # The first picture on a page without a hero is above the fold: not lazy.
            ' width="1600" height="900" alt="A picture of laptop" decoding="async">'
        )
        in page
    )
    assert (
        parse_html(
            '<figcaption><span class="caption">A laptop on a desk</span>'
            '<span class="credit">Credit: <a href="https://jo.example">Jo Doe</a></span>'
            "</figcaption>"
        )
        in page
    )


def test_a_small_image_is_served_as_its_original_and_the_hero_is_not_lazy(
    client, make_issue, editor
):
    hero = make_image("hero", width=800, height=400, alt_text="The hero", credit="Unlinked")
    issue = make_issue(1, hero_image=hero)
    publish(issue)

    response = client.get("/")

    page = parse_html(text(response))
    assert (
        parse_html(
            '<img src="/media/images/2024/05/hero.jpg"'
            ' srcset="/media/renditions/hero-480.webp 480w"'
            ' sizes="(min-width: 45rem) 42rem, calc(100vw - 2.5rem)"'
            ' width="800" height="400" alt="The hero" fetchpriority="high" decoding="async">'
        )
        in page
    )
    assert '<span class="credit">Credit: Unlinked</span>' in text(response)


def test_entries_without_an_image_render_no_figure(client, published):
    published(1)

    assert "<figure" not in text(client.get("/issues/1-issue-1/"))


# Markup


def test_hostile_text_is_escaped_on_every_page(client, published):
    published(1, title="<script>alert(1)</script>", summary='He said "hi" & <script>x()</script>')

    for url in public_pages():
        page = text(client.get(url))
        assert "<script>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    issue_page = text(client.get("/issues/1-issue-1/"))
    assert '<meta name="description" content="He said &quot;hi&quot; &amp;' in issue_page


def test_public_pages_have_unique_ids_no_empty_links_and_ordered_headings(client, published):
    published(1)
    published(2)

    for url in public_pages(2, "issue-2"):
        page = text(client.get(url))
        ids = re.findall(r'\sid="([^"]*)"', page)
        assert len(ids) == len(set(ids)), url
        assert 'href=""' not in page, url
        assert page.count("<h1") == 1, url
        levels = [int(level) for level in re.findall(r"<h([1-6])", page)]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)
        assert '<html lang="en">' in page
        assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page


# Error pages


def test_a_missing_page_uses_the_friendly_not_found_template(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert "Page not found" in text(response)
    assert 'href="/issues/"' in text(response)


def raise_error(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", raise_error)]


@pytest.mark.urls(__name__)
def test_a_server_error_uses_the_static_friendly_template(client):
    client.raise_request_exception = False

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong" in text(response)
    # Only the publication state the response cache reads: the error page queries nothing.
    assert len(queries.captured_queries) == STATE_QUERY
    assert "newsletter_publicationstate" in queries.captured_queries[0]["sql"]


def test_the_server_error_template_needs_nothing_but_the_request_id():
    source = loader.get_template("500.html").template.source
    tags = re.findall(r"\{[%{].*?[%}]\}", source)

    assert tags == ['{% include "includes/request_id.html" %}']
    assert "Something went wrong" in loader.render_to_string("500.html", {})


def test_a_revision_body_is_rendered_once_then_served_from_the_cache(client, published):
    from django.core.cache import cache
    from django.core.cache.utils import make_template_fragment_key

    issue = published(1)
    revision = Revision.objects.get(issue=issue)
    key = make_template_fragment_key(
        "issue-body", [revision.pk, int(revision.go_live_at.timestamp()), ""]
    )
    assert cache.get(key) is None
    first = client.get(public_url(issue)).content.decode()
    assert cache.get(key) is not None and cache.get(key) in first
    assert client.get(public_url(issue)).content.decode() == first
