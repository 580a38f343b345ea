"""Staff reset a forgotten password by email: a link used once, telling no one who has one."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

OLD = "correct horse battery"
NEW = "a brand new staple 42"


@pytest.fixture(autouse=True)
def tasks_run_where_enqueued(settings):
    # The reset mail is a task: run it where it is enqueued, so the test sees what a
    # worker would send.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "https://news.example.org"


@pytest.fixture
def sam(db):
    return User.objects.create_user("sam", "sam@example.com", OLD, is_staff=True)


def ask(client, email, **extra):
    return client.post("/admin/password_reset/", {"email": email}, **extra)


def link_in(message) -> str:
    match = re.search(r"https://news\.example\.org(/admin/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def log_in(client, password):
    return client.post("/admin/login/", {"username": "sam", "password": password})


def test_the_admin_login_page_offers_a_password_reset(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert 'href="/admin/password_reset/"' in response.content.decode()
    page = client.get("/admin/password_reset/")
    assert page.status_code == 200
    assert "Forgotten your password?" in page.content.decode()
    assert "Machine Learning Monthly" in page.content.decode()  # the admin's header


def test_a_staff_member_resets_their_password_end_to_end(client, sam):
    response = ask(client, "SAM@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_reset/done/"
    assert client.get(response["Location"]).status_code == 200

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.com"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Machine Learning Monthly" in message.subject
    link = link_in(message)

    # The link's token moves into the session, out of the address bar and Referer.
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened["Location"].endswith("/set-password/")
    form = client.get(opened["Location"])
    assert form.status_code == 200
    assert "new_password1" in form.content.decode()
    done = client.post(opened["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert done["Location"] == "/admin/reset/done/"
    assert client.get(done["Location"]).status_code == 200

    assert log_in(Client(), OLD).status_code == 200  # refused: the form again
    fresh = Client()
    assert log_in(fresh, NEW).status_code == 302
    assert fresh.get("/admin/").status_code == 200

    # Used once: the same link no longer works.
    again = Client().get(link, follow=True)
    assert "The password reset link was invalid" in again.content.decode()
    assert "new_password1" not in again.content.decode()


def test_unknown_inactive_and_non_staff_addresses_get_the_same_answer_and_no_mail(client, sam):
    User.objects.create_user("ina", "ina@example.com", OLD, is_staff=True, is_active=False)
    User.objects.create_user("rea", "rea@example.com", OLD, is_staff=False)
    User.objects.create_user("una", "una@example.com", is_staff=True)  # no usable password
    answers = [
        ask(Client(), email)
        for email in ("nobody@example.com", "ina@example.com", "rea@example.com", "una@example.com")
    ]
    known = ask(Client(), "sam@example.com")
    for response in answers:
        assert response.status_code == known.status_code == 302
        assert response["Location"] == known["Location"]
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]


def test_a_tampered_or_expired_link_is_refused(client, sam, settings):
    ask(client, "sam@example.com")
    link = link_in(mail.outbox[0])
    tampered = link[:-3] + "xx/"
    assert (
        "The password reset link was invalid" in client.get(tampered, follow=True).content.decode()
    )
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert "The password reset link was invalid" in client.get(link, follow=True).content.decode()


def test_the_form_is_throttled_per_address_and_per_client(client, sam, settings):
    for _ in range(settings.ACCOUNTS_RESET_THROTTLE_PER_ADDRESS):
        assert ask(Client(), "sam@example.com").status_code == 302
    throttled = ask(Client(), "sam@example.com")
    assert throttled.status_code == 429
    assert "Too many password reset requests" in throttled.content.decode()
    assert len(mail.outbox) == settings.ACCOUNTS_RESET_THROTTLE_PER_ADDRESS
    # An unknown address is throttled the same way: the answer says nothing about accounts.
    for _ in range(settings.ACCOUNTS_RESET_THROTTLE_PER_ADDRESS):
        ask(Client(REMOTE_ADDR="198.51.100.1"), "nobody@example.com")
    assert ask(Client(REMOTE_ADDR="198.51.100.2"), "nobody@example.com").status_code == 429

    busy = Client(REMOTE_ADDR="203.0.113.50")
    for n in range(settings.ACCOUNTS_RESET_THROTTLE_PER_CLIENT):
        assert ask(busy, f"someone{n}@example.com").status_code == 302
    assert ask(busy, "someone-else@example.com").status_code == 429


def test_the_link_is_built_on_site_url_not_on_the_host_header(client, sam, settings):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    ask(client, "sam@example.com", HTTP_HOST="evil.example")
    assert "evil.example" not in mail.outbox[0].body
    link_in(mail.outbox[0])


def test_resetting_the_password_lifts_a_login_lockout(client, sam, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong guess")
    assert log_in(client, OLD).status_code == 429
    ask(client, "sam@example.com")
    opened = client.get(link_in(mail.outbox[0]))
    client.post(opened["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert log_in(client, NEW).status_code == 302
