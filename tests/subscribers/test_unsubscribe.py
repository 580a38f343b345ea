"""One-click unsubscribe (RFC 8058) and the preferences page reached by a signed link."""

import pytest
from django.test import Client

from subscribers import links
from subscribers.models import Subscriber, Suppression

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def reader():
    return Subscriber.objects.create(email="reader@example.com", status="confirmed")


def one_click(client, url):
    return client.post(url, ONE_CLICK, content_type=FORM)


def test_one_click_post_without_cookies_or_csrf_unsubscribes_at_once(reader):
    client = Client(enforce_csrf_checks=True)
    response = one_click(client, links.one_click_unsubscribe_url(reader))
    assert response.status_code == 200
    assert not response.cookies
    reader.refresh_from_db()
    assert reader.status == "unsubscribed" and reader.unsubscribed_at is not None
    entry = Suppression.objects.get(email="reader@example.com")
    assert entry.reason == "unsubscribe"
    assert list(Subscriber.objects.confirmed()) == []


def test_one_click_is_idempotent(reader):
    client = Client(enforce_csrf_checks=True)
    url = links.one_click_unsubscribe_url(reader)
    first = one_click(client, url)
    reader.refresh_from_db()
    when = reader.unsubscribed_at
    second = one_click(client, url)
    assert (first.status_code, second.status_code) == (200, 200)
    reader.refresh_from_db()
    assert reader.unsubscribed_at == when
    assert Suppression.objects.count() == 1


def test_a_post_without_the_one_click_body_changes_nothing(reader):
    response = Client(enforce_csrf_checks=True).post(
        links.one_click_unsubscribe_url(reader), "", content_type=FORM
    )
    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.status == "confirmed"
    assert not Suppression.objects.exists()


def test_a_get_of_the_one_click_address_shows_preferences_and_changes_nothing(client, reader):
    response = client.get(links.one_click_unsubscribe_url(reader))
    assert response.status_code == 200
    assert b"Unsubscribe" in response.content
    assert "no-cache" in response["Cache-Control"]
    reader.refresh_from_db()
    assert reader.status == "confirmed"
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("page", ["unsubscribe", "preferences"])
def test_a_tampered_token_gets_a_clear_404_and_changes_nothing(client, reader, page):
    token = links.unsubscribe_token(reader)
    bad = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    url = f"/{'unsubscribe' if page == 'unsubscribe' else 'subscription'}/{bad}/"
    for response in (client.get(url), client.post(url, ONE_CLICK, content_type=FORM)):
        assert response.status_code == 404
        assert b"This link is not valid" in response.content
    reader.refresh_from_db()
    assert reader.status == "confirmed"
    assert not Suppression.objects.exists()


def test_an_unknown_subscriber_gets_404(client, reader):
    token = links.unsubscribe_token(reader)
    reader.delete()
    response = one_click(client, f"/unsubscribe/{token}/")
    assert response.status_code == 404
    assert not Suppression.objects.exists()


def test_the_preferences_button_unsubscribes(client, reader):
    url = links.preferences_url(reader)
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"action": "unsubscribe"})
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"
    assert Suppression.objects.get().reason == "unsubscribe"


def test_the_preferences_page_needs_its_csrf_token(reader):
    client = Client(enforce_csrf_checks=True)
    response = client.post(links.preferences_url(reader), {"action": "unsubscribe"})
    assert response.status_code == 403
    reader.refresh_from_db()
    assert reader.status == "confirmed"
