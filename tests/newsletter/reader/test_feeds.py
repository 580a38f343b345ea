"""RSS and Atom feeds: the latest live issues in full, with absolute links and stable ids."""

import re
from datetime import timedelta
from html import escape
from html.parser import HTMLParser

import feedparser
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from demo.management.commands.generate_bench_data import create_bench_issue
from newsletter.content.images import ingest
from newsletter.content.text import plain_text
from newsletter.models import Issue, Item, Paper, Revision
from newsletter.reader import cache
from tests.helpers.images import image_bytes, upload
from tests.helpers.reader import (
    HOST,
    PUBLISHED_CACHE_CONTROL,
    STATE_QUERY,
    correct,
    renumbered_before_the_rule,
)
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db


FEEDS = ["/feed/rss/", "/feed/atom/"]


def parse(client, url, *, raw=False):
    """The feed as a reader sees it; `raw` keeps the HTML exactly as served, since
    feedparser would otherwise resolve relative links itself and hide a relative one."""
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content, resolve_relative_uris=not raw, sanitize_html=not raw)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def entry_html(entry) -> str:
    return entry.content[0].value


@pytest.mark.parametrize(
    ("url", "content_type", "version"),
    [
        ("/feed/rss/", "application/rss+xml; charset=utf-8", "rss20"),
        ("/feed/atom/", "application/atom+xml; charset=utf-8", "atom10"),
    ],
)
def test_both_feeds_are_well_formed_and_describe_the_site(
    client, published, settings, url, content_type, version
):
    published(1)

    response = client.get(url)
    feed = parse(client, url)

    assert response["Content-Type"] == content_type
    assert feed.version == version
    assert feed.feed.title == settings.SITE_NAME
    assert feed.feed.link == HOST
    assert feed.feed.language == "en"
    assert "curated monthly newsletter" in feed.feed.get("subtitle", "")
    assert {"rel": "self", "href": f"http://testserver{url}"}.items() <= {
        k: v for link in feed.feed.links if link.rel == "self" for k, v in link.items()
    }.items()


@pytest.mark.parametrize("url", FEEDS)
def test_only_live_issues_appear_and_a_scheduled_one_appears_at_its_time(
    client, published, make_issue, url
):
    tomorrow = timezone.now() + timedelta(days=1)
    published(1, title="Out now")
    published(2, title="Out tomorrow", at=tomorrow)
    make_issue(3, title="Still a draft")

    assert [e.title for e in parse(client, url).entries] == ["#1 Out now"]

    with time_machine.travel(tomorrow + timedelta(seconds=1)):
        titles = [e.title for e in parse(client, url).entries]
    assert titles == ["#2 Out tomorrow", "#1 Out now"]


@pytest.mark.parametrize("url", FEEDS)
def test_an_empty_site_has_a_valid_feed_with_no_entries(client, make_issue, url):
    make_issue(1)

    assert parse(client, url).entries == []


@pytest.mark.parametrize("url", FEEDS)
def test_the_feeds_hold_the_latest_ten_issues_newest_first(client, published, url):
    for number in range(1, 13):
        published(number)

    titles = [e.title for e in parse(client, url).entries]

    assert titles == [f"#{n} Small models, big ideas" for n in range(12, 2, -1)]


@pytest.mark.parametrize("url", FEEDS)
def test_a_feed_of_full_sized_issues_holds_each_in_full_and_is_served_from_the_cache(
    client, editor, url
):
    """Issues the size of the benchmark's (20 items and 3 papers each, about 70 KB of XML
    in full): the feed must stay small enough for the response cache to store it, or every
    reader's poll renders every issue in it."""
    issues = []
    for index in range(11):
        issue = create_bench_issue(index, index + 1, by=editor, pictures=[])
        publish(issue)
        issues.append(issue)

    first = client.get(url)
    second = client.get(url)
    feed = parse(client, url)

    assert [e.title for e in feed.entries] == [f"#{i.number} {i.title}" for i in issues[:0:-1]]
    for entry, issue in zip(feed.entries, issues[:0:-1], strict=True):
        html = entry_html(entry)
        for item in Item.objects.filter(section__issue=issue):
            assert escape(item.title) in html
    assert len(first.content) <= cache.LARGEST_STORED
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")


@pytest.mark.parametrize("url", FEEDS)
def test_an_entry_links_to_the_issue_and_holds_it_in_full_with_absolute_links(
    client, illustrated, url
):
    illustrated(1)

    entry = parse(client, url, raw=True).entries[0]
    html = entry_html(entry)

    assert entry.link == f"{HOST}issues/1-issue-1/"
    for heading in ("My work", "Fine-tuning on a laptop", "Attention Is All You Need"):
        assert heading in html
    assert "<p>The transformer paper; everything since builds on it.</p>" in html
    urls = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert f"{HOST}issues/" in urls
    assert f"{HOST}media/images/chart.png" in urls
    # Pictures with no email renditions (these fixtures') show their JPEG original.
    assert f"{HOST}media/images/2024/05/hero-1.jpg" in urls
    assert f"{HOST}media/images/2024/05/laptop-1.jpg" in urls
    assert f"{HOST}issues/1-issue-1/" in urls
    assert "https://arxiv.org/abs/1706.03762" in urls
    assert all(u.startswith(("http://testserver/", "https://")) for u in urls), urls


class Tags(HTMLParser):
    """Every start tag of a fragment, with its attributes, in order."""

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def named(self, name):
        return [attrs for tag, attrs in self.tags if tag == name]


def uploaded(name: str, size: tuple[int, int]):
    """A real upload through the image pipeline, with a caption and a credit (the same
    name and size twice is the same picture)."""
    return ingest(
        upload(image_bytes("PNG", size=size), f"{name}.png"),
        alt_text=f"The {name}",
        caption=f"What the {name} shows",
        credit=f"{name.title()} Lab",
        credit_url=f"https://{name}.example/",
    )


@pytest.fixture
def pictured(make_issue):
    """A published issue with a hero, a pictured item, a pictured paper and a figure in
    an item's text: real uploads, whose renditions are made when the issue is frozen."""

    def make(number=1):
        issue = make_issue(number=number, hero_image=uploaded("hero", (1600, 900)))
        item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
        item.image = uploaded("laptop", (1000, 750))
        chart = uploaded("chart", (1200, 600))
        item.body = f"Before the chart.\n\n![The chart]({chart.file.url})\n\nAfter it."
        item.save()
        Paper.objects.filter(section__issue=issue).update(image=uploaded("attention", (800, 800)))
        publish(issue)
        return issue

    return make


@pytest.mark.parametrize("url", FEEDS)
def test_an_entry_holds_every_commentary_paper_and_picture_of_the_issue(client, pictured, url):
    """Checked against the live revision: every section, item and paper with its words,
    and every picture once, as one absolute src with its size, its alt text and caption."""
    issue = pictured()
    snapshot = Revision.objects.live().get(issue=issue).content

    html = entry_html(parse(client, url, raw=True).entries[0])
    text = plain_text(html)

    assert plain_text(snapshot.issue.summary_html) in text
    for section, entry in snapshot.entries():
        assert f"<h2>{escape(section.title, quote=False)}</h2>" in html
        assert escape(entry.title, quote=False) in html
        assert plain_text(entry.text_html) in text
        assert entry.byline in text
        if entry.kind == "paper":
            assert f"arXiv:{entry.arxiv_id}" in text
            assert f'<a href="{entry.paper_url}">Paper</a>' in html
    refs = [snapshot.issue.hero_image, *(entry.image for _, entry in snapshot.entries())]
    pictures = {ref.alt: ref for ref in refs if ref}
    pictures["The chart"] = uploaded("chart", (1200, 600))  # the figure in the text
    shown = Tags(html).named("img")
    assert sorted(img["alt"] for img in shown) == sorted(pictures)
    for img in shown:
        picture = pictures[img["alt"]]
        assert set(img) == {"src", "width", "height", "alt"}, img
        assert img["src"].startswith(f"{HOST}media/"), img
        width, height = int(img["width"]), int(img["height"])
        assert abs(width / height - picture.width / picture.height) < 0.01, img
        name = img["alt"].removeprefix("The ")
        assert f"What the {name} shows" in text
        assert f'Credit: <a href="https://{name}.example/">{name.title()} Lab</a>' in html


@pytest.mark.parametrize("url", FEEDS)
def test_an_entry_carries_only_the_markup_feed_readers_use(client, pictured, url):
    """No classes, ids, srcset, sizes, loading or aria attributes (readers apply their own
    styles and drop those), and no words that only the site's stylesheet hides."""
    pictured()

    html = entry_html(parse(client, url, raw=True).entries[0])
    tags = Tags(html).tags

    allowed = {"p", "h2", "h3", "a", "em", "strong", "img", "figure", "figcaption", "br"}
    assert {tag for tag, _ in tags} <= allowed
    attributes = {attr for _, attrs in tags for attr in attrs}
    assert attributes <= {"href", "src", "width", "height", "alt"}
    assert '<a href="https://arxiv.org/abs/1706.03762">Paper</a>' in html
    assert "Paper: Attention Is All You Need" not in plain_text(html)


def test_the_rss_description_is_the_summary_and_content_encoded_the_whole_issue(
    client, illustrated
):
    illustrated(1)

    body = client.get("/feed/rss/").content.decode()
    entry = parse(client, "/feed/rss/").entries[0]

    assert 'xmlns:content="http://purl.org/rss/1.0/modules/content/"' in body
    assert "<content:encoded>" in body
    assert entry.summary == f'<p>Read <a href="{HOST}issues/">the previous issue</a> first.</p>'
    assert "Attention Is All You Need" not in entry.summary
    assert "Attention Is All You Need" in entry_html(entry)


def test_the_atom_entry_has_an_html_summary_and_html_content(client, illustrated):
    illustrated(1)

    body = client.get("/feed/atom/").content.decode()
    entry = parse(client, "/feed/atom/").entries[0]

    assert '<summary type="html">' in body
    assert '<content type="html">' in body
    assert entry.content[0].type == "text/html"
    assert entry.summary.startswith("<p>Read")


@pytest.mark.parametrize("url", FEEDS)
def test_a_correction_keeps_the_id_and_the_first_publication_date(client, published, url):
    first_published = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    issue = published(1, at=first_published)
    before = parse(client, url).entries[0]

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        correct(issue, title="Small models, bigger ideas", slug="bigger-ideas")
        after = parse(client, url).entries

    assert len(after) == 1
    assert after[0].id == before.id == f"{HOST}issues/1/"
    assert after[0].title == "#1 Small models, bigger ideas"
    assert after[0].link == f"{HOST}issues/1-bigger-ideas/"
    assert after[0].published_parsed == before.published_parsed
    assert after[0].published_parsed[:6] == first_published.utctimetuple()[:6]


def test_the_atom_entry_is_updated_when_a_correction_goes_live(client, published):
    issue = published(1)
    corrected_at = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)

    with time_machine.travel(corrected_at, tick=False):
        correct(issue, title="Corrected")
        entry = parse(client, "/feed/atom/").entries[0]

    assert entry.updated_parsed[:6] == corrected_at.utctimetuple()[:6]
    assert entry.published_parsed < entry.updated_parsed


def test_the_rss_guid_is_a_permalink(client, published):
    published(1)

    body = client.get("/feed/rss/").content.decode()

    assert f'<guid isPermaLink="true">{HOST}issues/1/</guid>' in body
    assert client.get("/issues/1/")["Location"] == "/issues/1-issue-1/"


@pytest.mark.parametrize("url", FEEDS)
def test_hostile_text_is_escaped_and_read_back_as_text(client, published, url):
    published(1, title="<script>alert(1)</script>", summary="Fish & <chips>")

    body = client.get(url).content.decode()
    entry = parse(client, url).entries[0]

    assert "<script>" not in body
    assert entry.title == "#1 <script>alert(1)</script>"
    assert "<script>" not in entry_html(entry)


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_carry_the_same_cache_control_whether_or_not_an_issue_is_scheduled(
    client, published, url
):
    published(1)
    assert client.get(url)["Cache-Control"] == PUBLISHED_CACHE_CONTROL

    # Schedules are kept to the second: choose a whole second, look 90 seconds before it.
    at = (timezone.now() + timedelta(seconds=91)).replace(microsecond=0)
    published(2, at=at)
    with time_machine.travel(at - timedelta(seconds=90), tick=False):
        assert client.get(url)["Cache-Control"] == PUBLISHED_CACHE_CONTROL


@pytest.mark.parametrize("url", FEEDS)
def test_an_empty_feed_does_not_tell_when_the_first_issue_is_scheduled(client, published, url):
    at = (timezone.now() + timedelta(seconds=61)).replace(microsecond=0)
    published(1, at=at)

    with time_machine.travel(at - timedelta(seconds=60), tick=False):
        response = client.get(url)

    assert response["Cache-Control"] == PUBLISHED_CACHE_CONTROL


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_run_a_small_constant_number_of_queries(
    client, published, django_assert_num_queries, url
):
    for number in range(1, 6):
        published(number)
    correct(Issue.objects.get(number=3), title="Corrected")

    with django_assert_num_queries(STATE_QUERY + 1):
        client.get(url)


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_never_read_the_working_copy(client, published, url):
    issue = published(1)
    Issue.objects.filter(pk=issue.pk).update(title="MARKER", slug="marker")
    renumbered_before_the_rule(issue, 9)

    body = client.get(url).content.decode()

    assert "MARKER" not in body.upper()
    assert f"{HOST}issues/1-issue-1/" in body


def test_the_feed_url_names_resolve_for_autodiscovery():
    assert reverse("newsletter:feed-rss") == "/feed/rss/"
    assert reverse("newsletter:feed-atom") == "/feed/atom/"


def test_a_later_revision_of_an_issue_scheduled_for_tomorrow_does_not_show_early(client, published):
    issue = published(1, title="First words")
    Issue.objects.filter(pk=issue.pk).update(title="Second thoughts")
    publish(Issue.objects.get(pk=issue.pk), at=timezone.now() + timedelta(days=1))

    assert [e.title for e in parse(client, "/feed/rss/").entries] == ["#1 First words"]
