"""The subscriber list's rules: one spelling per mailbox, who gets mail, suppressions."""

import pytest
from django.db import IntegrityError, connection, transaction

from subscribers.models import Subscriber, Suppression
from subscribers.suppression import is_suppressed, suppress, suppressed_hashes

pytestmark = pytest.mark.django_db


def test_addresses_are_stored_lowercased_and_found_in_any_case():
    Subscriber.objects.create(email="  Reader@Example.COM ")
    stored = Subscriber.objects.get()
    assert stored.email == "reader@example.com"
    assert Subscriber.objects.filter(email="READER@example.com").exists()


def test_one_mailbox_is_one_subscriber_whatever_its_case():
    Subscriber.objects.create(email="reader@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscriber.objects.create(email="Reader@Example.com")


def test_the_database_refuses_a_mixed_case_address_written_around_the_model():
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO subscribers_subscriber (email, name, status, created_at, link_secret)"
            " VALUES ('Mixed@Example.com', '', 'confirmed', now(), 'x')"
        )


def test_confirmed_means_confirmed_and_not_suppressed():
    keep = Subscriber.objects.create(email="keep@example.com", status="confirmed")
    Subscriber.objects.create(email="pending@example.com", status="pending")
    Subscriber.objects.create(email="gone@example.com", status="unsubscribed")
    Subscriber.objects.create(email="bounced@example.com", status="confirmed")
    suppress("Bounced@example.com", "hard_bounce", detail="550 no such user")
    assert list(Subscriber.objects.confirmed()) == [keep]


def test_suppress_is_idempotent_and_a_stronger_reason_wins():
    suppress("a@example.com", "unsubscribe")
    suppress("A@example.com", "unsubscribe")
    suppress("a@example.com", "complaint", detail="abuse report")
    suppress("a@example.com", "unsubscribe")
    entry = Suppression.objects.get()
    assert (entry.email, entry.reason) == ("a@example.com", "complaint")
    assert entry.detail == "abuse report"
    assert is_suppressed("A@EXAMPLE.COM")
    assert not is_suppressed("b@example.com")


def test_an_unknown_reason_is_refused():
    with pytest.raises(ValueError):
        suppress("a@example.com", "whim")
    assert not Suppression.objects.exists()


def test_suppressed_hashes_finds_a_whole_list_in_one_query(django_assert_num_queries):
    suppress("x@example.com", "hard_bounce")
    emails = [f"p{n}@example.com" for n in range(3000)] + ["X@example.com"]
    with django_assert_num_queries(1):
        found = suppressed_hashes(emails)
    assert len(found) == 1
