"""The issue form keeps a published number with its issue, and says why."""

import pytest
from django.urls import reverse

from newsletter.models import Issue
from tests.helpers.admin import form_data
from tests.helpers.reader import renumbered_before_the_rule

pytestmark = pytest.mark.django_db


def change_url(issue):
    return reverse("admin:newsletter_issue_change", args=[issue.pk])


def test_renumbering_a_published_issue_is_refused_with_the_reason_and_the_input_kept(
    client, editor, published
):
    issue = published(number=9)
    client.force_login(editor)
    data = form_data(client.get(change_url(issue)))
    data["number"] = "12"
    data["title"] = "A title typed at the same time"

    response = client.post(change_url(issue), data)

    assert response.status_code == 200
    assert "Issue #9 has been published, so its number stays 9" in response.text
    assert "A title typed at the same time" in response.text
    assert Issue.objects.get(pk=issue.pk).number == 9


def test_renumbering_a_scheduled_issue_says_to_cancel_the_schedule_first(client, editor, published):
    from datetime import timedelta

    from django.utils import timezone

    issue = published(number=9, at=timezone.now() + timedelta(days=3))
    client.force_login(editor)
    data = form_data(client.get(change_url(issue)))
    data["number"] = "12"

    response = client.post(change_url(issue), data)

    assert response.status_code == 200
    assert "cancel the schedule first" in response.text


def test_a_new_issue_cannot_take_a_number_another_issue_was_published_with(
    client, editor, published
):
    first = published(number=9, title="The original nine")
    renumbered_before_the_rule(first, 12)  # as data from before this rule can be
    client.force_login(editor)
    page = client.get(reverse("admin:newsletter_issue_add"))
    data = form_data(page)
    data.update(number="9", title="The newcomer", slug="the-newcomer")

    response = client.post(reverse("admin:newsletter_issue_add"), data)

    assert response.status_code == 200
    assert "Number 9 belongs to “The original nine”, which was published as issue #9" in (
        response.text.replace("&#x27;", "'")
    )
    assert not Issue.objects.filter(title="The newcomer").exists()


def test_a_draft_never_published_can_still_be_renumbered(client, editor, make_issue):
    issue = make_issue(number=9)
    client.force_login(editor)
    data = form_data(client.get(change_url(issue)))
    data["number"] = "12"

    response = client.post(change_url(issue), data)

    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).number == 12
