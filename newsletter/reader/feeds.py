"""RSS 2.0 and Atom feeds of the latest live issues, each in full.

Items come from `Revision.objects.live()` like every public page, so a scheduled issue
enters the feeds at its time to the second and a draft never does. An issue's guid is
its permanent short address, so neither a correction nor a new slug makes a new item.

An entry's content is the issue as the email edition renders it (every link absolute,
each picture a single sized `src` with its caption), with only the markup feed readers
use: they show content with their own styles and drop what a browser needs for the
site's (feedparser's sanitizer, which many readers use or copy, keeps no srcset, sizes,
loading or aria attributes), so classes, srcset and wrappers would be bytes on every
poll for nothing.
"""

from dataclasses import dataclass
from datetime import datetime

import nh3
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import feedgenerator, timezone
from django.utils.http import http_date

from newsletter.content import markdown
from newsletter.email_edition.edition import Pictures, edition
from newsletter.models import Revision
from newsletter.reader.addresses import absolute, site_base
from newsletter.reader.http import public_until_next_change

# The latest ten issues, each in full: most of a year of a monthly (WordPress's default is
# ten too), so a reader who polls even rarely misses none. An issue in full is about 43 KB
# of XML at the bench's size (20 items, 3 papers, 11 pictures), so ten make a feed of 432 KB
# (122 KB with Brotli, nine tenths of it the words), well under the most the response cache
# stores (cache.LARGEST_STORED). Twenty would double the bytes of every hit and the CPU of
# every miss (bench/feed_bytes.py: 164 ms for ten, rendering and compressing).
FEED_SIZE = 10
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"

# What an entry's HTML keeps: what markdown may write, and figures. Elements left out
# (div, span) keep their content; attributes left out (class, id) go.
_feed_reader_markup = nh3.Cleaner(
    tags=markdown.ALLOWED_TAGS | {"figure", "figcaption"},
    attributes=markdown.ALLOWED_ATTRIBUTES,
    url_schemes=markdown.URL_SCHEMES,
    link_rel=None,
    strip_comments=True,
)


def feed_reader_html(html: str) -> str:
    """`html` (ours: absolute links already) with only the markup feed readers use."""
    return _feed_reader_markup.clean(html)


@dataclass
class Latest:
    """What one feed request shows: the newest live revisions, as of `at`."""

    at: datetime
    base: str
    revisions: list


class ContentRss201Feed(feedgenerator.Rss201rev2Feed):
    """RSS 2.0 with the full issue in content:encoded; the description keeps the summary."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class ContentAtom1Feed(feedgenerator.Atom1Feed):
    """Atom with the full issue as html content next to the summary."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class IssuesFeed(Feed):
    feed_type = ContentRss201Feed
    language = "en"

    def __call__(self, request, *args, **kwargs):
        # As Feed.__call__, marked for the caches (newsletter.reader.http).
        latest = self.get_object(request)
        feed = self.get_feed(latest, request)
        response = HttpResponse(content_type=feed.content_type)
        response["Last-Modified"] = http_date(feed.latest_post_date().timestamp())
        feed.write(response, "utf-8")
        return public_until_next_change(response)

    def get_object(self, request, *args, **kwargs):
        at = timezone.now()
        base = site_base(request)
        revisions = list(Revision.objects.live_issues(at).in_full()[:FEED_SIZE])
        pictures = Pictures.of(revisions)
        for revision in revisions:
            # The item's link is get_absolute_url(), made absolute by Feed; so is the guid.
            revision.feed_guid = absolute(revision.get_short_url(), base)
            revision.feed_edition = edition(revision, base, pictures=pictures)
        return Latest(at=at, base=base, revisions=revisions)

    def title(self):
        return settings.SITE_NAME

    def link(self, latest):
        return latest.base

    def description(self):
        return f"{settings.SITE_NAME}: a curated monthly newsletter about machine learning."

    def items(self, latest):
        return latest.revisions

    def item_title(self, revision):
        # Plain text: the XML writer escapes it once, and feed readers show it as written.
        return f"#{revision.issue_number} {revision.title}"

    def item_guid(self, revision):
        return revision.feed_guid

    item_guid_is_permalink = True

    def item_description(self, revision):
        return feed_reader_html(revision.feed_edition["issue"]["summary_html"])

    def item_pubdate(self, revision):
        return revision.published_at

    def item_updateddate(self, revision):
        return revision.go_live_at

    def item_extra_kwargs(self, revision):
        html = render_to_string("newsletter/feeds/issue_content.html", revision.feed_edition)
        return {"content": feed_reader_html(html)}


class AtomIssuesFeed(IssuesFeed):
    feed_type = ContentAtom1Feed

    def subtitle(self):
        return self.description()
