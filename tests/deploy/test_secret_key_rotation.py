"""Rotating DJANGO_SECRET_KEY: what was signed with the old key keeps working while it is
listed in DJANGO_SECRET_KEY_FALLBACKS, and stops working once it is dropped."""

import pytest
from django.test import override_settings
from django.urls import reverse

from subscribers.links import subscriber_for_token, unsubscribe_token
from subscribers.models import Subscriber
from tests.helpers.settings_env import REAL_KEY, settings_from

OLD_KEY = "old-Zq8vX2mR8tZpW4nL6yB1cF5hD7gS0aE9uY3iO2pQ8rT6wV4zX1bN5mK7jH0"
OLDER_KEY = "older-Yp3mR8tZpW4nL6yB1cF5hD7gS0aE9uY3iO2pQ8rT6wV4zX1bN5mK7jH0l"


def keys_from_environment(**env) -> dict:
    """SECRET_KEY and SECRET_KEY_FALLBACKS as production settings read them from `env`."""
    key, fallbacks = settings_from(
        "[settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS]", DJANGO_DEBUG="0", **env
    )
    return {"SECRET_KEY": key, "SECRET_KEY_FALLBACKS": fallbacks}


def test_fallbacks_are_read_comma_separated_newest_first():
    keys = keys_from_environment(
        DJANGO_SECRET_KEY=REAL_KEY, DJANGO_SECRET_KEY_FALLBACKS=f" {OLD_KEY} ,{OLDER_KEY},"
    )
    assert keys == {"SECRET_KEY": REAL_KEY, "SECRET_KEY_FALLBACKS": [OLD_KEY, OLDER_KEY]}


def test_no_fallbacks_by_default():
    keys = keys_from_environment(DJANGO_SECRET_KEY=REAL_KEY)
    assert keys["SECRET_KEY_FALLBACKS"] == []


@pytest.fixture
def admin_client_under_old_key(client, publisher):
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        client.force_login(publisher)
        assert client.get(reverse("admin:index")).status_code == 200
    return client


@pytest.mark.django_db
def test_a_session_made_with_the_old_key_survives_the_rotation(admin_client_under_old_key):
    rotated = keys_from_environment(DJANGO_SECRET_KEY=REAL_KEY, DJANGO_SECRET_KEY_FALLBACKS=OLD_KEY)
    with override_settings(**rotated):
        assert admin_client_under_old_key.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_a_session_made_with_a_dropped_key_is_logged_out(admin_client_under_old_key):
    dropped = keys_from_environment(DJANGO_SECRET_KEY=REAL_KEY)
    with override_settings(**dropped):
        response = admin_client_under_old_key.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_a_signed_unsubscribe_link_survives_the_rotation():
    subscriber = Subscriber.objects.create(email="reader@example.com")
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        token = unsubscribe_token(subscriber)

    with override_settings(
        **keys_from_environment(DJANGO_SECRET_KEY=REAL_KEY, DJANGO_SECRET_KEY_FALLBACKS=OLD_KEY)
    ):
        assert subscriber_for_token(token) == subscriber
        # New links are signed with the new key.
        assert unsubscribe_token(subscriber) != token
    with override_settings(**keys_from_environment(DJANGO_SECRET_KEY=REAL_KEY)):
        assert subscriber_for_token(token) is None
