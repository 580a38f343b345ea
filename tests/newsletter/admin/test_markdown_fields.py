"""Markdown the renderer refuses is refused where it is typed, with the reason, and kept."""

import pytest
from django.urls import reverse

from newsletter.models import Item, Section
from tests.helpers.admin import form_data

pytestmark = pytest.mark.django_db


def change_url(issue):
    return reverse("admin:newsletter_issue_change", args=[issue.pk])


@pytest.mark.parametrize(
    ("field", "text", "says"),
    [
        ("sections-0-items-0-body", "x" * 100_001, "This text is 100,001 characters long"),
        ("sections-0-intro", "1. " * 600, "too deeply"),
        ("summary", "y" * 100_001, "one field can hold at most 100,000"),
    ],
    ids=["item body too long", "section intro too deep", "issue summary too long"],
)
def test_the_issue_page_refuses_markdown_it_cannot_render_and_keeps_the_input(
    client, editor, make_issue, field, text, says
):
    issue = make_issue()
    client.force_login(editor)
    data = form_data(client.get(change_url(issue)))
    data[field] = text

    response = client.post(change_url(issue), data)

    assert response.status_code == 200
    assert says in response.text
    assert text[:1000] in response.text  # what was typed is still there
    issue.refresh_from_db()
    assert len(issue.summary) < 1000
    assert all(len(i.body) < 1000 for i in Item.objects.filter(section__issue=issue))
    assert all(len(s.intro) < 1000 for s in Section.objects.filter(issue=issue))


def test_a_long_but_acceptable_text_is_saved(client, editor, make_issue):
    issue = make_issue()
    client.force_login(editor)
    data = form_data(client.get(change_url(issue)))
    data["sections-0-items-0-body"] = "Long but fine. " * 6_000  # 90,000 characters

    response = client.post(change_url(issue), data)

    assert response.status_code == 302
    assert Item.objects.filter(body__startswith="Long but fine.").exists()
