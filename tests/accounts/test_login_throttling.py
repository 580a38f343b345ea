"""Failed admin logins lock that username from that address for a while (django-axes)."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def sam(db):
    return User.objects.create_user("sam", password=PASSWORD, is_staff=True)


@pytest.fixture
def kim(db):
    return User.objects.create_user("kim", password=PASSWORD, is_staff=True)


def log_in(client, username, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **extra
    )


def fail_until_locked(client, username="sam", **extra):
    responses = [
        log_in(client, username, "wrong guess", **extra) for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    return responses


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_failures_below_the_limit_show_the_login_form_again(client, sam):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, "sam", "wrong guess")
        assert response.status_code == 200
        assert b"Please enter the correct username and password" in response.content
    assert log_in(client, "sam", PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_last_allowed_failure_locks_the_username_with_a_clear_page(client, sam):
    responses = fail_until_locked(client)
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    locked = responses[-1]
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many failed logins for “sam”" in text
    assert "refused, even with the right" in text
    assert "15" in text and "minutes from now" in text
    assert 899 <= int(locked["Retry-After"]) <= 900
    assert locked["Cache-Control"] == "no-store"
    assert '<body class=" login"' in text  # the admin's login look


def test_a_locked_username_is_refused_with_the_right_password(client, sam):
    fail_until_locked(client)
    response = log_in(client, "sam", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not logged_in(client)


def test_other_users_and_the_same_user_elsewhere_are_not_locked(client, sam, kim):
    fail_until_locked(client)
    assert log_in(Client(), "kim", PASSWORD).status_code == 302
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert log_in(elsewhere, "sam", PASSWORD).status_code == 302
    assert logged_in(elsewhere)


def test_the_lock_ends_after_the_cool_off(client, sam):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_until_locked(client)
        clock.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=5))
        assert log_in(client, "sam", PASSWORD).status_code == 429
        # That attempt started the wait again.
        clock.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=5))
        assert log_in(client, "sam", PASSWORD).status_code == 429
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        assert log_in(client, "sam", PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_admin_unlocks_a_username_from_the_admin(client, sam, admin_client):
    fail_until_locked(client)
    attempt = AccessAttempt.objects.get(username="sam")
    listing = admin_client.get("/admin/axes/accessattempt/?locked_out=yes")
    assert listing.status_code == 200
    assert "sam" in listing.content.decode()
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert log_in(client, "sam", PASSWORD).status_code == 302


def test_an_admin_unlocks_a_username_with_the_management_command(client, sam, capsys):
    fail_until_locked(client)
    call_command("axes_reset_username", "sam")
    assert "1 attempts removed" in capsys.readouterr().out
    assert log_in(client, "sam", PASSWORD).status_code == 302


def test_staff_without_the_axes_permissions_cannot_unlock(client, sam, kim):
    fail_until_locked(client)
    attempt = AccessAttempt.objects.get(username="sam")
    staff = Client()
    staff.force_login(kim)
    assert (
        staff.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_a_success_before_the_limit_starts_the_count_again(client, sam):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "sam", "wrong guess")
    assert log_in(client, "sam", PASSWORD).status_code == 302
    client.post("/admin/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "sam", "wrong guess").status_code == 200
    assert log_in(client, "sam", PASSWORD).status_code == 302


class TestBehindAProxy:
    """With a proxy in front, the client is the last X-Forwarded-For entry, never REMOTE_ADDR."""

    @pytest.fixture(autouse=True)
    def proxy(self, settings):
        settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"

    def test_clients_behind_one_proxy_are_told_apart(self, client, sam):
        fail_until_locked(client, HTTP_X_FORWARDED_FOR="203.0.113.5")
        assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
        other = Client()
        response = log_in(other, "sam", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert response.status_code == 302

    def test_an_address_the_client_wrote_itself_does_not_escape_the_lock(self, client, sam):
        fail_until_locked(client, HTTP_X_FORWARDED_FOR="203.0.113.5")
        spoofed = log_in(client, "sam", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5")
        assert spoofed.status_code == 429
