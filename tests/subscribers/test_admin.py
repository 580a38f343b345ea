"""The subscriber admin: list, search, filters, import, export, erasure, suppressions."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from subscribers import subscriptions
from subscribers.addresses import address_hash
from subscribers.erasure import erase
from subscribers.models import Consent, Subscriber, Suppression
from subscribers.suppression import is_suppressed, suppress

pytestmark = pytest.mark.django_db

LIST = "/admin/subscribers/subscriber/"


@pytest.fixture
def people():
    now = timezone.now()
    ada = Subscriber.objects.create(
        email="ada@example.com", name="Ada Lovelace", status="confirmed", confirmed_at=now
    )
    Consent.objects.create(
        subscriber=ada,
        source="subscribe form",
        text_version="form-1",
        text="Send me each issue.",
        ip_hash="ab" * 32,
        given_at=now,
        confirmed_at=now,
    )
    Subscriber.objects.create(email="grace@example.com", name="Grace", status="pending")
    gone = Subscriber.objects.create(email="gone@example.com", status="unsubscribed")
    suppress(gone.email, "unsubscribe")
    return ada


def listed(response):
    return [row.email for row in response.context["cl"].result_list]


def test_the_list_searches_and_filters_by_state_and_suppression(admin_client, people):
    assert sorted(listed(admin_client.get(LIST))) == [
        "ada@example.com",
        "gone@example.com",
        "grace@example.com",
    ]
    assert listed(admin_client.get(LIST, {"q": "lovelace"})) == ["ada@example.com"]
    assert listed(admin_client.get(LIST, {"status__exact": "pending"})) == ["grace@example.com"]
    assert listed(admin_client.get(LIST, {"suppressed": "yes"})) == ["gone@example.com"]


def test_the_list_costs_the_same_queries_for_many_people(
    admin_client, people, django_assert_max_num_queries
):
    Subscriber.objects.bulk_create(
        [Subscriber(email=f"p{n}@example.com", status="confirmed") for n in range(80)]
    )
    with django_assert_max_num_queries(12):
        assert admin_client.get(LIST).status_code == 200


def test_export_has_every_consent_record_and_defuses_formulas(admin_client, people):
    Subscriber.objects.create(email="eve@example.com", name="=HYPERLINK(1)", status="confirmed")
    response = admin_client.get(LIST + "export/")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    ada = next(r for r in rows if r["email"] == "ada@example.com")
    assert ada["consent_source"] == "subscribe form"
    assert ada["consent_text_version"] == "form-1"
    assert ada["consent_confirmed_at"] and ada["consent_ip_hash"] == "ab" * 32
    eve = next(r for r in rows if r["email"] == "eve@example.com")
    assert eve["name"] == "'=HYPERLINK(1)"


def test_the_export_action_exports_the_selection(admin_client, people):
    response = admin_client.post(
        LIST, {"action": "export_selected", "_selected_action": [people.pk]}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["email"] for r in rows] == ["ada@example.com"]


def test_the_import_page_needs_a_consent_source(admin_client):
    upload = SimpleUploadedFile("people.csv", b"new@example.com\n", content_type="text/csv")
    response = admin_client.post(LIST + "import/", {"file": upload, "source": ""})
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not Subscriber.objects.exists()


def test_the_import_page_imports_and_lists_what_it_skipped(admin_client, people):
    suppress("bounced@example.com", "hard_bounce")
    upload = SimpleUploadedFile(
        "people.csv",
        b"new@example.com,New Person\nbounced@example.com\nnonsense\ngone@example.com\n",
        content_type="text/csv",
    )
    response = admin_client.post(
        LIST + "import/", {"file": upload, "source": "Meetup sheet, May 2026"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 imported" in page and "2 skipped as suppressed" in page
    assert "line 2: bounced@example.com" in page and "line 4: gone@example.com" in page
    assert "line 3: not an email address" in page
    new = Subscriber.objects.get(email="new@example.com")
    assert new.status == "confirmed"
    assert new.consents.get().source == "Meetup sheet, May 2026"
    assert Subscriber.objects.get(email="gone@example.com").status == "unsubscribed"


def test_the_import_page_refuses_a_file_that_is_not_text(admin_client):
    upload = SimpleUploadedFile("people.csv", b"\xff\xfe\x00\x00binary", content_type="text/csv")
    response = admin_client.post(LIST + "import/", {"file": upload, "source": "Somewhere"})
    assert response.status_code == 200
    assert b"not UTF-8" in response.content
    assert not Subscriber.objects.exists()


def test_staff_without_the_right_cannot_import(client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw-long-enough", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_subscriber"))
    client.force_login(user)
    assert client.get(LIST).status_code == 200
    assert client.get(LIST + "import/").status_code == 403


def test_erasing_a_person_removes_them_and_their_consent(admin_client, people):
    confirm = admin_client.post(LIST, {"action": "erase_selected", "_selected_action": [people.pk]})
    assert b"Yes, erase their data" in confirm.content
    assert Subscriber.objects.filter(pk=people.pk).exists()  # only asked, not done
    admin_client.post(
        LIST,
        {"action": "erase_selected", "_selected_action": [people.pk], "confirm_erasure": "yes"},
    )
    assert not Subscriber.objects.filter(email="ada@example.com").exists()
    assert not Consent.objects.filter(subscriber_id=people.pk).exists()
    assert not Suppression.objects.filter(email_hash=address_hash("ada@example.com")).exists()


def test_erasing_a_suppressed_person_keeps_only_a_hash_that_still_refuses_them(people):
    gone = Subscriber.objects.get(email="gone@example.com")
    assert erase(gone) is True
    entry = Suppression.objects.get()
    assert entry.email is None and entry.reason == "unsubscribe"
    assert "gone@example.com" not in entry.detail
    assert is_suppressed("Gone@example.com")
    assert not Subscriber.objects.filter(email="gone@example.com").exists()


def test_a_suppression_added_in_the_admin_stops_mail(admin_client, people):
    response = admin_client.post(
        "/admin/subscribers/suppression/add/",
        {"email": "Ada@Example.com", "reason": "manual", "detail": "asked by phone"},
    )
    assert response.status_code == 302
    assert Suppression.objects.get(email="ada@example.com").reason == "manual"
    assert not Subscriber.objects.confirmed().filter(email="ada@example.com").exists()


def test_a_suppression_entry_opens_and_its_detail_can_be_changed(admin_client):
    entry = suppress("bounced@example.com", "hard_bounce", detail="550 no such user")
    page = admin_client.get(f"/admin/subscribers/suppression/{entry.pk}/change/")
    assert page.status_code == 200
    assert "bounced@example.com" in page.content.decode()
    response = admin_client.post(
        f"/admin/subscribers/suppression/{entry.pk}/change/",
        {"reason": "hard_bounce", "detail": "550 mailbox gone"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.email, entry.detail) == ("bounced@example.com", "550 mailbox gone")


def test_the_suppression_list_searches_and_filters(admin_client, people):
    suppress("bounced@example.com", "hard_bounce")
    page = admin_client.get("/admin/subscribers/suppression/", {"reason__exact": "hard_bounce"})
    assert [str(e) for e in page.context["cl"].result_list] == ["bounced@example.com"]
    page = admin_client.get("/admin/subscribers/suppression/", {"q": "gone"})
    assert [str(e) for e in page.context["cl"].result_list] == ["gone@example.com"]


def test_subscribers_cannot_be_added_or_deleted_by_hand(admin_client, people):
    assert admin_client.get(LIST + "add/").status_code == 403
    response = admin_client.get(f"{LIST}{people.pk}/delete/")
    assert response.status_code == 403


def test_people_who_never_confirmed_are_forgotten_after_the_given_days():
    from datetime import timedelta

    from django.core.management import call_command

    old = timezone.now() - timedelta(days=31)
    stale = Subscriber.objects.create(email="stale@example.com", status="pending")
    recent = Subscriber.objects.create(email="recent@example.com", status="pending")
    confirmed = Subscriber.objects.create(email="kept@example.com", status="confirmed")
    # Bounced before confirming (a mistyped address): as unconfirmed as a pending one.
    typo = Subscriber.objects.create(email="ada@example.con", status="bounced")
    moved = Subscriber.objects.create(email="moved@example.com", status="bounced", confirmed_at=old)
    Subscriber.objects.filter(pk__in=[stale.pk, confirmed.pk, typo.pk, moved.pk]).update(
        created_at=old
    )
    Consent.objects.create(subscriber=stale, source="subscribe form", given_at=old)
    out = io.StringIO()
    call_command("purge_unconfirmed_subscribers", "--days", "30", stdout=out)
    assert "Erased 2 unconfirmed subscribers." in out.getvalue()
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        recent.email,
        confirmed.email,
        moved.email,
    }
    assert not Consent.objects.exists()


def test_the_list_says_who_receives_mail_and_why_not(admin_client, people):
    """A hard bounce shows on the list: the status says bounced, and the row says why no
    mail goes there, as it does for every other reason."""
    bob = Subscriber.objects.create(
        email="bob@example.com", status="confirmed", confirmed_at=timezone.now()
    )
    subscriptions.bounced("bob@example.com", detail="postmark bounced: 550 5.1.1 no such user")
    Subscriber.objects.create(email="eve@example.com", status="confirmed")
    suppress("eve@example.com", "complaint")

    page = admin_client.get(LIST).content.decode()
    rows = dict(
        re.findall(
            r'<th class="field-email"><a [^>]*>([^<]+)</a></th>.*?'
            r'<td class="field-receives_mail">([^<]*)</td>',
            page,
            re.DOTALL,
        )
    )
    assert rows == {
        "ada@example.com": "Yes",
        "bob@example.com": "No: hard bounce",
        "eve@example.com": "No: complaint (marked as spam)",
        "gone@example.com": "No: unsubscribed",
        "grace@example.com": "No: pending confirmation",
    }
    assert listed(admin_client.get(LIST, {"status__exact": "bounced"})) == ["bob@example.com"]
    change = admin_client.get(f"{LIST}{bob.pk}/change/").content.decode()
    assert "Bounced" in change and "No: hard bounce" in change
