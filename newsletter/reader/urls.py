"""The public site's addresses (namespace "newsletter")."""

from django.urls import path, register_converter

from newsletter.email_edition import views as email_views
from newsletter.reader import feeds, icons, search, views


class IssueNumberConverter:
    """A positive number without leading zeros, so that each issue has one address."""

    regex = "[1-9][0-9]*"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IssueNumberConverter, "issue_number")

app_name = "newsletter"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/", views.archive, name="archive"),
    path("papers/", views.papers, name="papers"),
    path("issues/<issue_number:number>/", views.issue_detail, name="issue-short"),
    path(
        "issues/<issue_number:number>-<str:slug>/email/",
        email_views.issue_email,
        name="issue-email",
    ),
    path(
        "issues/<issue_number:number>-<str:slug>/email.txt",
        email_views.issue_email_text,
        name="issue-email-text",
    ),
    path("issues/<issue_number:number>-<str:slug>/", views.issue_detail, name="issue-detail"),
    path("search/", search.search_page, name="search"),
    path("feed/rss/", feeds.IssuesFeed(), name="feed-rss"),
    path("feed/atom/", feeds.AtomIssuesFeed(), name="feed-atom"),
    path("favicon.ico", icons.favicon_ico, name="favicon-ico"),
]
