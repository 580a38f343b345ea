from django.urls import path, register_converter

from newsletter import views


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
    path("issues/<issue_number:number>/", views.issue_detail, name="issue-short"),
    path("issues/<issue_number:number>-<str:slug>/", views.issue_detail, name="issue-detail"),
]
