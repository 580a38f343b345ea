"""A large issue saves: the composer posts every field of every entry at once."""

import pytest
from django.urls import reverse

from newsletter.models import Issue
from tests.helpers.admin import form_data

pytestmark = pytest.mark.django_db

# About 14 fields an entry: a 70-entry issue posts this many, and Django refuses more
# than 1,000 by default (a bare 400, the editor's changes unsaved).
FIELDS_OF_A_LARGE_ISSUE = 1_200


def test_a_save_posting_as_many_fields_as_a_seventy_entry_issue_is_saved(
    client, editor, make_issue
):
    issue = make_issue()
    client.force_login(editor)
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(client.get(url))
    data["title"] = "Renamed in a large issue"
    padding = FIELDS_OF_A_LARGE_ISSUE - len(data)
    data |= {f"unused-{n}": "" for n in range(padding)}

    response = client.post(url, data)

    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).title == "Renamed in a large issue"
