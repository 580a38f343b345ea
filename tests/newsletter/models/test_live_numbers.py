"""A published number belongs to its issue for good, and PostgreSQL holds to it.

Whatever writes (the admin, the workflow, a script, the shell): an issue ever published
or scheduled keeps its number, no issue takes a number another issue was published
with, and no revision goes live under one. Corrections of the same issue still work.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from newsletter.content.freeze import freeze
from newsletter.models import Issue, Revision
from tests.helpers.reader import renumbered_before_the_rule
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db


def refused(fn, match):
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        fn()


def renumber(issue, number):
    Issue.objects.filter(pk=issue.pk).update(number=number)


def test_a_published_issue_keeps_its_number(published):
    issue = published(number=9)
    refused(lambda: renumber(issue, 12), "has been published or scheduled")
    assert Issue.objects.get(pk=issue.pk).number == 9


def test_an_unpublished_issue_also_keeps_the_number_it_was_published_with(published, publisher):
    from editorial.workflow import perform

    issue = published(number=9)
    perform(issue, "unpublish", by=publisher)
    refused(lambda: renumber(issue, 12), "has been published or scheduled")


def test_a_scheduled_issue_keeps_its_number(published):
    issue = published(number=9, at=timezone.now() + timedelta(days=2))
    refused(lambda: renumber(issue, 12), "has been published or scheduled")


def test_a_draft_never_published_can_be_renumbered_even_after_review(make_issue, editor):
    issue = make_issue(number=9)
    freeze(issue, by=editor)  # frozen for review, never published
    renumber(issue, 12)
    assert Issue.objects.get(pk=issue.pk).number == 12


def test_saving_a_published_issue_without_changing_its_number_works(published):
    issue = published(number=9)
    issue = Issue.objects.get(pk=issue.pk)
    issue.title = "A better title"
    issue.save()
    assert Issue.objects.get(pk=issue.pk).title == "A better title"


def test_no_issue_takes_a_number_another_issue_was_published_with(published, make_issue):
    first = published(number=9)
    renumbered_before_the_rule(first, 12)

    refused(lambda: make_issue(number=9, slug="newcomer"), "was published by another issue")
    other = make_issue(number=10, slug="other")
    refused(lambda: renumber(other, 9), "was published by another issue")


def test_no_revision_goes_live_under_a_number_another_issue_was_published_with(
    published, make_issue, editor
):
    first = published(number=9)
    renumbered_before_the_rule(first, 12)
    newcomer = make_issue(number=8, slug="newcomer")
    revision = freeze(newcomer, by=editor)
    # A revision whose snapshot says #9 (as a restore or a script could make).
    snapshot = dict(revision.snapshot, issue=dict(revision.snapshot["issue"], number=9))
    stolen = Revision.objects.create(issue=newcomer, number=2, snapshot=snapshot)
    assert stolen.issue_number == 9

    def go_live():
        stolen.go_live_at = timezone.now()
        stolen.save(update_fields=["go_live_at", "ends_at"])

    refused(go_live, "was published by another issue")
    refused(
        lambda: Revision.objects.create(
            issue=newcomer, number=3, snapshot=snapshot, go_live_at=timezone.now()
        ),
        "was published by another issue",
    )


def test_an_issue_goes_live_only_under_a_number_it_was_published_with(published, editor):
    issue = published(number=9)
    first = issue.revisions.get()
    snapshot = dict(first.snapshot, issue=dict(first.snapshot["issue"], number=30))
    other_number = Revision.objects.create(issue=issue, number=2, snapshot=snapshot)

    def go_live():
        other_number.go_live_at = timezone.now() + timedelta(days=1)
        other_number.save(update_fields=["go_live_at", "ends_at"])

    refused(go_live, "was published under another number")


def test_corrections_of_the_same_issue_still_go_live(published):
    issue = published(number=9)
    Issue.objects.filter(pk=issue.pk).update(title="Corrected")
    publish(Issue.objects.get(pk=issue.pk))
    assert list(Revision.objects.live().values_list("issue_number", "number")) == [(9, 2)]
