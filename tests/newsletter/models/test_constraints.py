"""Invariants that PostgreSQL itself enforces, whatever the application code does."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from newsletter.content.build import build_snapshot
from newsletter.content.freeze import freeze
from newsletter.models import Image, Issue, Revision

pytestmark = pytest.mark.django_db


def _insert_fails(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_issue_numbers_are_unique(make_issue):
    make_issue(number=7)
    _insert_fails(lambda: Issue.objects.create(number=7, title="Again", slug="again"))


def test_issue_slugs_are_unique(make_issue):
    make_issue(number=1, slug="same")
    _insert_fails(lambda: Issue.objects.create(number=2, title="Other", slug="same"))


def test_issue_numbers_are_positive():
    _insert_fails(lambda: Issue.objects.create(number=0, title="Zero", slug="zero"))


def test_revision_numbers_are_unique_per_issue(make_issue, editor):
    revision = freeze(make_issue(), by=editor)
    _insert_fails(
        lambda: Revision.objects.create(
            issue=revision.issue, number=revision.number, snapshot=revision.snapshot
        )
    )


def test_revision_numbers_are_positive(make_issue):
    issue = make_issue()
    snapshot = build_snapshot(issue).to_json()
    _insert_fails(lambda: Revision.objects.create(issue=issue, number=0, snapshot=snapshot))


def test_a_revision_keeps_the_issue_number_its_snapshot_was_frozen_with(make_issue, editor):
    issue = make_issue(number=4)
    first = freeze(issue, by=editor)
    Issue.objects.filter(pk=issue.pk).update(number=5)
    second = freeze(Issue.objects.get(pk=issue.pk), by=editor)
    assert (first.issue_number, second.issue_number) == (4, 5)
    assert second.content.issue.number == 5


def test_revisions_are_numbered_one_two_three(make_issue, editor):
    issue = make_issue()
    assert [freeze(issue, by=editor).number for _ in range(3)] == [1, 2, 3]


def test_two_revisions_of_one_issue_cannot_be_live_at_the_same_instant(make_issue, editor):
    issue = make_issue()
    first, second = freeze(issue, by=editor), freeze(issue, by=editor)
    now = timezone.now()
    Revision.objects.filter(pk=first.pk).update(go_live_at=now - timedelta(days=1))
    _insert_fails(
        lambda: Revision.objects.filter(pk=second.pk).update(go_live_at=now + timedelta(days=1))
    )


def test_back_to_back_intervals_do_not_overlap(make_issue, editor):
    issue = make_issue()
    first, second = freeze(issue, by=editor), freeze(issue, by=editor)
    t = timezone.now()
    Revision.objects.filter(pk=first.pk).update(go_live_at=t - timedelta(days=1), ends_at=t)
    Revision.objects.filter(pk=second.pk).update(go_live_at=t)
    assert list(Revision.objects.live(at=t)) == [second]
    assert list(Revision.objects.live(at=t - timedelta(seconds=1))) == [first]


def test_revisions_of_different_issues_may_be_live_together(make_issue, editor):
    a, b = freeze(make_issue(number=1), by=editor), freeze(make_issue(number=2), by=editor)
    Revision.objects.filter(pk__in=[a.pk, b.pk]).update(go_live_at=timezone.now())
    assert Revision.objects.live().count() == 2


def test_unscheduled_revisions_do_not_conflict(make_issue, editor):
    issue = make_issue()
    freeze(issue, by=editor)
    freeze(issue, by=editor)
    assert Revision.objects.filter(issue=issue, go_live_at__isnull=True).count() == 2


def test_an_interval_must_end_after_it_begins(make_issue, editor):
    revision = freeze(make_issue(), by=editor)
    now = timezone.now()
    _insert_fails(
        lambda: Revision.objects.filter(pk=revision.pk).update(go_live_at=now, ends_at=now)
    )
    _insert_fails(lambda: Revision.objects.filter(pk=revision.pk).update(ends_at=now))


def test_the_exclusion_constraint_needs_no_extension():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'btree_gist'")
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'revision_one_live_per_issue'"
        )
        (definition,) = cursor.fetchone()
    assert "EXCLUDE USING gist" in definition and "int8range" in definition


def test_an_image_needs_alt_text():
    _insert_fails(
        lambda: Image.objects.create(file="x.png", alt_text="", width=1, height=1, sha256="a")
    )


def test_the_same_image_hash_is_stored_once():
    Image.objects.create(file="a.png", alt_text="A", width=1, height=1, sha256="f" * 64)
    _insert_fails(
        lambda: Image.objects.create(file="b.png", alt_text="B", width=1, height=1, sha256="f" * 64)
    )


def test_a_revision_refuses_to_change_its_content(make_issue, editor):
    revision = freeze(make_issue(), by=editor)
    revision.snapshot = {"issue": {"title": "rewritten"}}
    with pytest.raises(ValueError, match="immutable"):
        revision.save()
    with pytest.raises(ValueError, match="interval"):
        revision.save(update_fields=["snapshot"])


def test_the_database_refuses_to_rewrite_a_revision(make_issue, editor):
    revision = freeze(make_issue(), by=editor)
    _insert_fails(lambda: Revision.objects.filter(pk=revision.pk).update(snapshot={"x": 1}))
    _insert_fails(lambda: Revision.objects.filter(pk=revision.pk).update(number=9))
    _insert_fails(lambda: Revision.objects.filter(pk=revision.pk).update(issue_number=9))
    Revision.objects.filter(pk=revision.pk).update(go_live_at=timezone.now())
