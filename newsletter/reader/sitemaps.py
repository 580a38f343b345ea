"""sitemap.xml and robots.txt: the public pages and every live issue, nothing else."""

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import F
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from newsletter import caching
from newsletter.absolute import absolute, site_base
from newsletter.models import Revision
from newsletter.views import NEWEST_FIRST

# Pages of their own; a name is listed once its view exists.
PAGE_NAMES = ("newsletter:home", "newsletter:archive", "newsletter:papers")


class PagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        paths = []
        for name in PAGE_NAMES:
            try:
                paths.append(reverse(name))
            except NoReverseMatch:
                continue
        return paths

    def location(self, path):
        return path


class IssuesSitemap(Sitemap):
    """Every live issue at its canonical address, last modified when its revision went live."""

    def __init__(self, at: datetime):
        self.at = at

    def items(self):
        # Only the number and slug of each snapshot: a sitemap needs no more.
        return list(
            Revision.objects.live(self.at)
            .order_by(*NEWEST_FIRST)
            .values("go_live_at", "issue_number", issue_slug=F("snapshot__issue__slug"))
        )

    def location(self, issue):
        return reverse(
            "newsletter:issue-detail",
            kwargs={"number": issue["issue_number"], "slug": issue["issue_slug"]},
        )

    def lastmod(self, issue):
        return issue["go_live_at"]


def sitemap(request):
    at = timezone.now()
    sitemaps = {"pages": PagesSitemap(), "issues": IssuesSitemap(at)}
    response = sitemap_views.sitemap(request, sitemaps)
    return caching.cache_publicly(response, at=at, change=caching.upcoming_change(at))


def robots_txt(request):
    response = render(
        request,
        "robots.txt",
        {"sitemap_url": absolute(reverse("sitemap"), site_base(request))},
        content_type="text/plain; charset=utf-8",
    )
    return caching.cache_publicly(response, at=timezone.now(), change=None)
