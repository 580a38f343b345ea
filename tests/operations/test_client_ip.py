"""Every throttle takes the client from one rule (operations/client_ip.py): REMOTE_ADDR, or
behind a proxy the last entry of CLIENT_IP_HEADER, the one the proxy appended."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# The forms that mail someone: where they post, their per-client limit, their success.
FORMS = {
    "subscribe": ("/subscribe/", "SUBSCRIBERS_THROTTLE_PER_CLIENT", 200),
    "password reset": ("/admin/password_reset/", "ACCOUNTS_RESET_THROTTLE_PER_CLIENT", 302),
}


@pytest.fixture(params=FORMS)
def form(request, settings, immediate_tasks):
    """Post to one form, once per call, with a fresh address each time: answers' status."""
    url, limit, _ = FORMS[request.param]
    setattr(settings, limit, 1)
    posted = iter(range(1000))

    def post(**headers) -> int:
        email = f"person{next(posted)}@example.com"
        return Client(**headers).post(url, {"email": email}).status_code

    post.ok = FORMS[request.param][2]
    return post


def test_behind_a_proxy_every_throttle_counts_the_entry_the_proxy_appended(form, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # One client writing a new first entry each time is still one client.
    spoofing = [
        form(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.5", **proxy) for n in range(3)
    ]
    # Three clients behind the one proxy are three clients.
    crowd = [form(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}", **proxy) for n in range(3)]
    assert spoofing == [form.ok, 429, 429]
    assert crowd == [form.ok, form.ok, form.ok]


def test_without_a_proxy_header_every_throttle_counts_remote_addr(form, settings):
    settings.CLIENT_IP_HEADER = ""
    answers = [
        form(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}", REMOTE_ADDR="203.0.113.7") for n in range(3)
    ]
    assert answers == [form.ok, 429, 429]


def test_an_entry_that_is_no_address_counts_as_the_connection(form, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    answers = [form(HTTP_X_FORWARDED_FOR=f"junk-{n}", REMOTE_ADDR="203.0.113.8") for n in range(3)]
    assert answers == [form.ok, 429, 429]
