"""Submitting an issue whose saved text the renderer refuses says why, and changes nothing.

The editing forms refuse such text; this is text saved before they did, or by a script.
"""

import pytest

from editorial.models import Event
from editorial.workflow import TransitionNotAllowed, perform
from newsletter.models import Item

pytestmark = pytest.mark.django_db


def test_submitting_an_issue_with_a_text_over_the_limit_is_refused_with_the_reason(
    make_issue, editor
):
    issue = make_issue()
    Item.objects.filter(section__issue=issue).update(body="[" * 100_001)

    with pytest.raises(TransitionNotAllowed, match="100,001 characters long"):
        perform(issue, "submit", by=editor)

    issue.refresh_from_db()
    assert issue.state == "draft"
    assert not issue.revisions.exists()
    assert not Event.objects.exists()
