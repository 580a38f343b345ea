"""sitemap.xml and robots.txt: the public pages and every live issue, nothing else."""

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Revision
from newsletter.reader.addresses import absolute, site_base
from newsletter.reader.http import public, public_until_next_change

PAGE_NAMES = ("newsletter:home", "newsletter:archive", "newsletter:papers")


class PagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return [reverse(name) for name in PAGE_NAMES]

    def location(self, path):
        return path


class IssuesSitemap(Sitemap):
    """Every live issue at its canonical address, last modified when its revision went live."""

    def __init__(self, at: datetime):
        self.at = at
        self.revisions = list(Revision.objects.live_issues(at).headings())

    def items(self):
        return self.revisions

    def lastmod(self, revision):
        return revision.go_live_at


def sitemap(request):
    issues = IssuesSitemap(timezone.now())
    response = sitemap_views.sitemap(request, {"pages": PagesSitemap(), "issues": issues})
    return public_until_next_change(response)


def robots_txt(request):
    response = render(
        request,
        "robots.txt",
        {"sitemap_url": absolute(reverse("sitemap"), site_base(request))},
        content_type="text/plain; charset=utf-8",
    )
    return public(response)
