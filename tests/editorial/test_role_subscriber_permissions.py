"""Publishers keep the list of who gets the newsletter; editors and reviewers never see it.

The groups' permissions come from the migrations that built the test database, so these
tests fail if the data migration giving Publishers their subscriber permissions is missing.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from editorial.roles import EDITORS, GROUP_PERMISSIONS, PUBLISHERS, REVIEWERS
from subscribers.models import Subscriber, Suppression

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ada(db):
    return Subscriber.objects.create(email="ada@example.com", name="Ada", status="confirmed")


def test_the_migrations_give_each_group_exactly_its_declared_permissions():
    for name, declared in GROUP_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        held = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == set(declared), name


def test_publishers_hold_subscriber_and_send_permissions_and_no_one_else_does():
    publishers = set(GROUP_PERMISSIONS[PUBLISHERS])
    assert {
        "subscribers.view_subscriber",
        "subscribers.change_subscriber",
        "subscribers.view_suppression",
        "sending.view_send",
    } <= publishers
    assert "subscribers.add_subscriber" not in publishers  # imports: superusers
    assert "subscribers.delete_subscriber" not in publishers  # erasure: superusers
    assert "subscribers.delete_suppression" not in publishers  # lifting a bounce
    for group in (EDITORS, REVIEWERS):
        assert not [
            p for p in GROUP_PERMISSIONS[group] if p.startswith(("subscribers.", "sending."))
        ]


def test_a_publisher_lists_subscribers_corrects_a_name_and_unsubscribes(publisher, ada):
    client = as_user(publisher)
    assert "ada@example.com" in client.get("/admin/subscribers/subscriber/").content.decode()
    change = f"/admin/subscribers/subscriber/{ada.pk}/change/"
    assert client.get(change).status_code == 200
    assert (
        client.post(
            change, {"name": "Ada L.", "consents-TOTAL_FORMS": "0", "consents-INITIAL_FORMS": "0"}
        ).status_code
        == 302
    )
    ada.refresh_from_db()
    assert ada.name == "Ada L."
    client.post(
        "/admin/subscribers/subscriber/",
        {"action": "unsubscribe_selected", "_selected_action": [ada.pk]},
    )
    ada.refresh_from_db()
    assert ada.status == "unsubscribed"
    assert client.get("/admin/subscribers/subscriber/export/").status_code == 200


def test_a_publisher_adds_a_suppression_but_cannot_lift_one(publisher):
    client = as_user(publisher)
    response = client.post(
        "/admin/subscribers/suppression/add/",
        {"email": "gone@example.com", "reason": "manual", "detail": "asked by phone"},
    )
    assert response.status_code == 302
    entry = Suppression.objects.get(email="gone@example.com")
    assert client.get(f"/admin/subscribers/suppression/{entry.pk}/delete/").status_code == 403


def test_a_publisher_cannot_import_or_erase(publisher, ada):
    client = as_user(publisher)
    assert client.get("/admin/subscribers/subscriber/import/").status_code == 403
    client.post(
        "/admin/subscribers/subscriber/",
        {"action": "erase_selected", "_selected_action": [ada.pk], "confirm_erasure": "yes"},
    )
    assert Subscriber.objects.filter(pk=ada.pk).exists()


def test_a_publisher_sees_sends(publisher):
    assert as_user(publisher).get("/admin/sending/send/").status_code == 200


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_editors_and_reviewers_see_no_subscriber_or_send(request, role, ada):
    client = as_user(request.getfixturevalue(role))
    for url in (
        "/admin/subscribers/subscriber/",
        f"/admin/subscribers/subscriber/{ada.pk}/change/",
        "/admin/subscribers/subscriber/export/",
        "/admin/subscribers/suppression/",
        "/admin/sending/send/",
    ):
        assert client.get(url).status_code == 403, url
