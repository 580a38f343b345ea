"""A send is named on the Sends page by what it emails: "Email of issue #1 (revision 1)",
"Correction of issue #1 (revision 2)", never "Issue of issue #1"."""

import pytest
from django.urls import reverse

from sending.models import Send

pytestmark = pytest.mark.django_db


def test_the_sends_page_names_each_send_by_what_it_emails(client, published, publisher):
    issue = published(1)
    first = issue.revisions.get()
    Send.objects.create(
        issue=issue, revision=first, state=Send.State.DONE, go_live_at=first.go_live_at
    )
    Send.objects.create(
        issue=issue,
        revision=first,
        kind=Send.Kind.CORRECTION,
        state=Send.State.DONE,
        go_live_at=first.go_live_at,
    )
    client.force_login(publisher)

    listing = client.get(reverse("admin:sending_send_changelist")).text

    assert "Email of issue #1 (revision 1)" in listing
    assert "Correction of issue #1 (revision 1)" in listing
    assert "Issue of issue" not in listing
