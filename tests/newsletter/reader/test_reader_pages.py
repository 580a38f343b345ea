"""What readers (and the robots reading for them) get from the public pages.

Tables of contents and permalinks, reading time, older and newer issues, the archive by
year, the papers index, link-preview and structured-data tags, and responsive images.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from newsletter.models import Issue, Item, Paper, Section
from tests.helpers.reader import PUBLISHED_CACHE_CONTROL, STATE_QUERY, make_image
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


class Tags(HTMLParser):
    """Every start tag of a page, as (name, attributes) pairs."""

    def __init__(self, page):
        super().__init__()
        self.tags = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, element, **match):
        return [
            attrs
            for tag, attrs in self.tags
            if tag == element and all(attrs.get(k) == v for k, v in match.items())
        ]


def meta(page, key) -> str | None:
    """The content of <meta property=key> or <meta name=key>."""
    tags = Tags(page)
    found = tags.all("meta", property=key) or tags.all("meta", name=key)
    return found[0]["content"] if found else None


def structured_data(page) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def at_year(year, month=6):
    return datetime(year, month, 15, 12, tzinfo=UTC)


# The issue page


def test_the_table_of_contents_links_to_every_section_by_its_id(client, published):
    published(1)

    page = text(client.get("/issues/1-issue-1/"))

    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', toc)
    section_ids = re.findall(r'<section class="issue-section" id="([^"]+)"', page)
    assert targets == section_ids == ["section-my-work", "section-papers-research"]


def test_every_item_and_paper_has_a_labelled_permalink_to_its_own_anchor(client, published):
    published(1)

    page = text(client.get("/issues/1-issue-1/"))

    entry_ids = re.findall(r'<article class="entry entry-\w+" id="([^"]+)"', page)
    assert len(entry_ids) == 3
    permalinks = Tags(page).all("a", **{"class": "permalink"})
    assert [link["href"] for link in permalinks] == [f"#{anchor}" for anchor in entry_ids]
    assert permalinks[2]["aria-label"] == "Permalink to Attention Is All You Need"


def test_the_reading_time_counts_the_words_of_the_issue_at_230_a_minute(client, make_issue):
    short = make_issue(1)
    publish(short)
    long = make_issue(2)
    # About 57 words of titles, summary and commentary, plus 700: 757 / 230 → 4 minutes.
    Item.objects.filter(section__issue=long, position=1).update(body="word " * 700)
    publish(long)

    assert "1 min read" in text(client.get("/issues/1-issue-1/"))
    assert "4 min read" in text(client.get("/issues/2-issue-2/"))


def test_older_and_newer_links_go_to_live_neighbours_skipping_drafts_and_scheduled(
    client, published, make_issue
):
    published(1, title="One")
    make_issue(2, title="Two, a draft")
    published(3, title="Three")
    published(4, title="Four, scheduled", at=timezone.now() + timedelta(days=3))
    published(5, title="Five")

    def neighbours(url):
        page = text(client.get(url))
        prev = re.search(r'<a rel="prev" href="([^"]+)"', page)
        nxt = re.search(r'<a rel="next" href="([^"]+)"', page)
        return (prev and prev.group(1), nxt and nxt.group(1))

    assert neighbours("/issues/1-issue-1/") == (None, "/issues/3-issue-3/")
    assert neighbours("/issues/3-issue-3/") == ("/issues/1-issue-1/", "/issues/5-issue-5/")
    assert neighbours("/issues/5-issue-5/") == ("/issues/3-issue-3/", None)
    assert "Two, a draft" not in text(client.get("/issues/3-issue-3/"))


def test_an_issue_page_runs_one_query_with_its_neighbours(
    client, published, django_assert_num_queries
):
    for number in (1, 2, 3):
        published(number)

    with django_assert_num_queries(STATE_QUERY + 1):
        assert client.get("/issues/2-issue-2/").status_code == 200


# Images


def test_every_image_on_an_issue_page_has_a_size_and_alt_and_all_but_the_first_are_lazy(
    client, make_issue
):
    issue = make_issue(1, hero_image=make_image("hero"))
    Item.objects.filter(section__issue=issue, position=0).update(image=make_image("laptop"))
    Paper.objects.filter(section__issue=issue).update(image=make_image("paper", width=900))
    publish(issue)

    images = Tags(text(client.get("/issues/1-issue-1/"))).all("img")

    assert len(images) == 3
    for image in images:
        assert image["width"].isdigit() and image["height"].isdigit(), image
        assert image["alt"], image
    assert "loading" not in images[0] and images[0]["fetchpriority"] == "high"
    assert all(image["loading"] == "lazy" for image in images[1:])
    assert images[0]["srcset"].endswith("/media/renditions/hero-1600.webp 1600w")


def test_without_a_hero_the_first_entry_picture_is_the_only_eager_one(client, make_issue):
    issue = make_issue(1)
    Item.objects.filter(section__issue=issue, position=0).update(image=make_image("one"))
    Item.objects.filter(section__issue=issue, position=1).update(image=make_image("two"))
    publish(issue)

    images = Tags(text(client.get("/issues/1-issue-1/"))).all("img")

    assert ["loading" in image for image in images] == [False, True]


# The archive


def test_the_archive_groups_issues_by_year_of_first_publication_in_the_site_zone(
    client, published, settings
):
    settings.TIME_ZONE = "America/New_York"
    published(1, at=at_year(2024))
    # Just after midnight UTC on New Year's Day is still 2025 in New York.
    published(2, at=datetime(2026, 1, 1, 3, tzinfo=UTC))
    issue = published(3, at=at_year(2026, 3))
    # A later revision of issue 3 does not move it: it was first published in March 2026.
    Issue.objects.filter(pk=issue.pk).update(title="Issue three, revised")
    publish(Issue.objects.get(pk=issue.pk))

    page = text(client.get("/issues/"))

    years = re.findall(r'<h2 id="year-(\d+)">(\d+)</h2>', page)
    assert [year for year, _ in years] == ["2026", "2025", "2024"]
    chunks = re.split(r"<h2 id=\"year-", page)[1:]
    assert re.findall(r"Issue #(\d+)", chunks[0]) == ["3"]
    assert re.findall(r"Issue #(\d+)", chunks[1]) == ["2"]
    assert re.findall(r"Issue #(\d+)", chunks[2]) == ["1"]
    assert "Issue three, revised" in chunks[0]
    assert '<time datetime="2026-03-15T12:00:00Z">15 March 2026</time>' in chunks[0]


def test_the_archive_paginates_and_repeats_the_year_heading_on_each_page(
    client, published, monkeypatch
):
    monkeypatch.setattr("newsletter.reader.views.ARCHIVE_PAGE_SIZE", 2)
    for number in (1, 2, 3):
        published(number, at=at_year(2025, number))

    first = text(client.get("/issues/"))
    second = text(client.get("/issues/?page=2"))

    assert re.findall(r"Issue #(\d+)", first) == ["3", "2"]
    assert re.findall(r"Issue #(\d+)", second) == ["1"]
    assert '<h2 id="year-2025">2025</h2>' in first and '<h2 id="year-2025">2025</h2>' in second
    assert '<a rel="next" href="/issues/?page=2">' in first


def test_the_archive_shows_the_smallest_rendition_of_each_hero_as_a_lazy_thumbnail(
    client, make_issue
):
    issue = make_issue(1, hero_image=make_image("hero", alt_text="A hero"))
    publish(issue)

    thumbs = Tags(text(client.get("/issues/"))).all("img", **{"class": "archive-thumb"})

    assert thumbs == [
        {
            "class": "archive-thumb",
            "src": "/media/renditions/hero-480.webp",
            "width": "480",
            "height": "270",
            "alt": "A hero",
            "loading": "lazy",
            "decoding": "async",
        }
    ]


# The papers index


def test_a_paper_featured_in_two_issues_is_listed_once_with_both_appearances(
    client, published, make_issue
):
    published(1, at=at_year(2025))
    published(2, at=at_year(2026))
    make_issue(3)  # a draft featuring the same paper: not an appearance

    page = text(client.get(reverse("newsletter:papers")))

    assert page.count("<h2>") == 1
    assert page.count(">Attention Is All You Need</a></h2>") == 1
    links = re.findall(r'<a href="(/issues/[^"]+)">Issue #', page)
    assert links == [
        "/issues/2-issue-2/#paper-attention-is-all-you-need",
        "/issues/1-issue-1/#paper-attention-is-all-you-need",
    ]


def test_papers_without_an_arxiv_id_are_grouped_by_their_normalised_title(client, make_issue):
    for number, title in ((1, "Scaling Laws: A Study"), (2, "scaling laws — a study ")):
        issue = make_issue(number)
        Paper.objects.filter(section__issue=issue).update(arxiv_id="", title=title)
        publish(issue)

    page = text(client.get("/papers/"))

    assert page.count('<article class="paper-card">') == 1
    assert len(re.findall(r'<a href="/issues/\d+-issue-\d+/#paper-', page)) == 2


def test_the_papers_index_lists_newest_first_and_filters_by_year(client, make_issue):
    for number, year in ((1, 2025), (2, 2026)):
        issue = make_issue(number)
        section = Section.objects.get(issue=issue, title="Papers & research")
        Paper.objects.create(section=section, title=f"Paper of {year}", position=1)
        publish(issue, at=at_year(year))

    everything = text(client.get("/papers/"))
    of_2025 = text(client.get("/papers/", {"year": "2025"}))

    assert re.findall(r"Paper of (\d+)", everything) == ["2026", "2025"]
    assert re.findall(r"Paper of (\d+)", of_2025) == ["2025"]
    # Featured in both years, the transformer paper is listed under each.
    assert "Attention Is All You Need" in of_2025
    assert '<a href="/papers/?year=2025" aria-current="page">2025</a>' in of_2025
    assert '<a href="/papers/?year=2026">2026</a>' in everything
    assert '<link rel="canonical" href="http://127.0.0.1:8000/papers/?year=2025">' in of_2025


def test_the_papers_index_is_paged_so_a_long_archive_stays_a_page_readers_can_load(
    client, make_issue, monkeypatch
):
    # Every paper of a thousand issues on one page was 3 MB of HTML, too big to cache.
    monkeypatch.setattr("newsletter.reader.views.PAPERS_PAGE_SIZE", 3)
    for number, year in ((1, 2025), (2, 2026)):
        issue = make_issue(number)
        section = Section.objects.get(issue=issue, title="Papers & research")
        for k in range(3):
            Paper.objects.create(section=section, title=f"Paper {k} of {year}", position=k + 1)
        publish(issue, at=at_year(year))

    first = text(client.get("/papers/"))
    second = text(client.get("/papers/", {"page": "2"}))
    beyond = client.get("/papers/", {"page": "99"})
    of_2025 = text(client.get("/papers/", {"year": "2025"}))
    of_2025_second = text(client.get("/papers/", {"year": "2025", "page": "2"}))

    # 7 distinct papers: 3 of each year and the transformer paper featured in both.
    assert first.count('<article class="paper-card">') == 3
    assert second.count('<article class="paper-card">') == 3
    assert "Page 1 of 3 (7 papers)" in first
    assert '<a rel="next" href="/papers/?page=2">Older papers</a>' in first
    assert '<a rel="prev" href="/papers/">Newer papers</a>' in second
    assert '<link rel="canonical" href="http://127.0.0.1:8000/papers/?page=2">' in second
    assert "<title>Papers, page 2 ·" in second
    assert beyond.status_code == 404
    assert "The papers index has no page 99: its pages are numbered 1 to 3." in beyond.text
    assert '<a href="/papers/?page=3">Its last page, 3</a>' in beyond.text
    assert '<a rel="next" href="/papers/?year=2025&amp;page=2">Older papers</a>' in of_2025
    assert '<a rel="prev" href="/papers/?year=2025">Newer papers</a>' in of_2025_second
    assert (
        '<link rel="canonical" href="http://127.0.0.1:8000/papers/?year=2025&amp;page=2">'
        in of_2025_second
    )


@pytest.mark.parametrize("year", ["abc", "1999", "-1", "２０２５", "2025.0", ""])
def test_a_bad_year_shows_every_paper_rather_than_an_error(client, published, year):
    published(1, at=at_year(2025))

    response = client.get("/papers/", {"year": year})

    page = text(response)
    assert "Attention Is All You Need" in page
    assert '<link rel="canonical" href="http://127.0.0.1:8000/papers/">' in page


def test_the_papers_index_is_cached_and_empty_without_live_issues(client, make_issue):
    make_issue(1)

    response = client.get("/papers/")

    assert "No paper has been featured yet" in text(response)
    assert "Attention" not in text(response)
    assert response["Cache-Control"] == PUBLISHED_CACHE_CONTROL


@pytest.mark.parametrize("url", ["/issues/", "/papers/"])
def test_lists_run_the_same_number_of_queries_for_3_or_8_issues(client, published, url):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    for number in range(1, 4):
        published(number)
    with_three = count()
    for number in range(4, 9):
        published(number)

    assert count() == with_three <= STATE_QUERY + 2


# Search engines, feed readers and link previews


def test_every_public_page_has_an_absolute_canonical_and_open_graph_tags(client, published):
    published(1, hero_image=make_image("hero", alt_text="A hero"))

    for url in ("/", "/issues/", "/papers/", "/issues/1-issue-1/"):
        page = text(client.get(url))
        canonical = Tags(page).all("link", rel="canonical")
        assert len(canonical) == 1, url
        assert canonical[0]["href"].startswith(SITE + "/"), url
        assert meta(page, "og:url") == canonical[0]["href"], url
        assert meta(page, "og:site_name") == "Machine Learning Monthly", url
        assert meta(page, "og:title") and meta(page, "og:description"), url
        assert meta(page, "description") == meta(page, "og:description"), url
        assert meta(page, "twitter:card") in {"summary", "summary_large_image"}, url


def test_an_issue_page_describes_itself_as_an_article_with_its_hero_for_link_previews(
    client, published
):
    published(1, hero_image=make_image("hero", alt_text="A hero"))

    page = text(client.get("/issues/1-issue-1/"))

    assert meta(page, "og:type") == "article"
    assert meta(page, "og:title") == "Small models, big ideas"
    assert meta(page, "og:description") == "A month of compact models."
    assert meta(page, "og:url") == f"{SITE}/issues/1-issue-1/"
    assert meta(page, "og:image") == f"{SITE}/media/renditions/hero-1600.webp"
    assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == ("1600", "900")
    assert meta(page, "og:image:alt") == "A hero"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:image") == f"{SITE}/media/renditions/hero-1600.webp"


def test_without_a_hero_the_page_is_a_plain_summary_card(client, published):
    published(1)

    page = text(client.get("/issues/1-issue-1/"))

    assert meta(page, "og:image") is None
    assert meta(page, "twitter:card") == "summary"
    assert meta(page, "og:type") == "article"
    assert meta(text(client.get("/issues/")), "og:type") == "website"


def test_an_issue_page_carries_json_ld_for_a_blog_posting(client, published):
    published(1, at=at_year(2025), hero_image=make_image("hero"))

    data = structured_data(text(client.get("/issues/1-issue-1/")))

    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Small models, big ideas"
    assert data["url"] == f"{SITE}/issues/1-issue-1/"
    assert data["datePublished"] == "2025-06-15T12:00:00Z"
    assert data["dateModified"] == "2025-06-15T12:00:00Z"
    assert data["image"]["url"] == f"{SITE}/media/renditions/hero-1600.webp"
    assert data["publisher"]["name"] == data["author"]["name"] == "Machine Learning Monthly"
    assert data["description"] == "A month of compact models."


def test_json_ld_escapes_a_hostile_title_so_it_cannot_close_the_script(client, published):
    hostile = "</script><script>alert(1)</script> & more"
    published(1, title=hostile, summary="<!-- sneaky --> </SCRIPT>")

    page = text(client.get("/issues/1-issue-1/"))

    assert "</script><script>alert(1)" not in page
    assert "<script>alert(1)" not in page
    assert structured_data(page)["headline"] == hostile


def test_every_page_links_to_the_feeds_when_they_exist(client, published):
    published(1)
    try:
        rss, atom = reverse("newsletter:feed-rss"), reverse("newsletter:feed-atom")
    except NoReverseMatch:
        pytest.skip("The feeds are not routed yet.")

    for url in ("/", "/issues/", "/papers/", "/issues/1-issue-1/", "/no-such-page/"):
        tags = Tags(client.get(url).content.decode())
        assert tags.all("link", rel="alternate", type="application/rss+xml")[0]["href"] == (
            SITE + rss
        ), url
        assert tags.all("link", rel="alternate", type="application/atom+xml")[0]["href"] == (
            SITE + atom
        ), url


def test_the_header_has_the_site_navigation_and_a_labelled_search_form(client, published):
    published(1)

    page = text(client.get("/papers/"))

    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.S).group(0)
    assert re.findall(r">(\w+)</a>", nav) == ["Home", "Archive", "Papers"]
    assert '<a href="/papers/" aria-current="page">Papers</a>' in nav
    try:
        search = reverse("newsletter:search")
    except NoReverseMatch:
        pytest.skip("Search is not routed yet.")
    form = Tags(page).all("form", role="search")
    assert form and form[0]["action"] == search
    field = Tags(page).all("input", name="q")[0]
    assert Tags(page).all("label", **{"for": field["id"]})


def test_the_not_found_page_declares_no_canonical_address(client):
    response = client.get("/issues/9-nothing/")

    assert response.status_code == 404
    assert 'rel="canonical"' not in response.content.decode()
    assert 'href="/papers/"' in response.content.decode()
