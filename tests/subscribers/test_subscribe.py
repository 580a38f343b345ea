"""The subscribe form and double opt-in, with mail delivered to a real SMTP server."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from newsletter.models import Revision
from subscribers import links, subscriptions
from subscribers.models import Consent, Subscriber, Suppression
from subscribers.suppression import suppress

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+")


@pytest.fixture
def browser():
    """A client that, like a browser, must send back the CSRF token of the page it got."""
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.7")


def csrf_post(client, url, data):
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return client.post(url, {**data, "csrfmiddlewaretoken": token.decode()})


@pytest.fixture
def subscribe(browser, django_capture_on_commit_callbacks):
    def post(email, name=""):
        with django_capture_on_commit_callbacks(execute=True):
            return csrf_post(browser, "/subscribe/", {"email": email, "name": name})

    return post


def links_in(message):
    return LINK.findall(message.get_content())


def database_state():
    return (
        list(Subscriber.objects.values_list("email", "status", "confirmed_at", "unsubscribed_at")),
        list(Consent.objects.values_list("pk", "confirmed_at")),
        list(Suppression.objects.values_list("email", "reason")),
    )


def test_the_subscribe_page_is_linked_from_every_public_page(client, published):
    issue_url = Revision.objects.get(issue=published()).get_absolute_url()
    for url in ("/", "/issues/", "/papers/", "/search/?q=models", issue_url, "/nope/"):
        assert b'href="/subscribe/"' in client.get(url).content, url


def test_subscribing_sends_a_confirmation_whose_link_only_confirms_on_post(
    subscribe, smtp_inbox, client
):
    response = subscribe("New.Reader@Example.com", "Ada Lovelace")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    reader = Subscriber.objects.get()
    assert (reader.email, reader.name, reader.status) == (
        "new.reader@example.com",
        "Ada Lovelace",
        "pending",
    )
    consent = reader.consents.get()
    assert consent.source == "subscribe form" and consent.text_version == "form-1"
    assert consent.ip_hash and "198.51" not in consent.ip_hash
    assert consent.confirmed_at is None

    [message] = smtp_inbox.to("new.reader@example.com")
    assert message["To"] == "new.reader@example.com"  # the typed name stays out of headers
    assert "Confirm your subscription" in message["Subject"]
    [confirm_url] = [url for url in links_in(message) if "/subscribe/confirm/" in url]

    before = database_state()
    page = client.get(confirm_url)
    assert page.status_code == 200 and b"Confirm my subscription" in page.content
    assert database_state() == before
    assert list(Subscriber.objects.confirmed()) == []

    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 200 and b"You are subscribed" in confirmed.content
    reader.refresh_from_db()
    consent.refresh_from_db()
    assert reader.status == "confirmed" and reader.confirmed_at is not None
    assert consent.confirmed_at == reader.confirmed_at
    assert list(Subscriber.objects.confirmed()) == [reader]


def test_a_get_of_any_link_in_the_subscription_emails_changes_nothing(
    subscribe, smtp_inbox, client
):
    subscribe("reader@example.com")
    reader = Subscriber.objects.get()
    client.post(links.confirmation_url(reader))
    subscribe("reader@example.com")  # already subscribed: the preferences link by mail
    messages = smtp_inbox.to("reader@example.com")
    assert len(messages) == 2
    urls = [url for message in messages for url in links_in(message)]
    assert any("/subscription/" in url for url in urls)
    before = database_state()
    for url in urls:
        assert client.get(url).status_code in (200, 301, 302), url
    assert database_state() == before


def test_new_and_already_subscribed_addresses_get_the_same_answer(subscribe, smtp_inbox):
    Subscriber.objects.create(email="known@example.com", status="confirmed")
    known = subscribe("known@example.com")
    new = subscribe("unknown@example.com")
    pending = subscribe("unknown@example.com")
    pages = [
        r.content.replace(e.encode(), b"")
        for r, e in (
            (known, "known@example.com"),
            (new, "unknown@example.com"),
            (pending, "unknown@example.com"),
        )
    ]
    assert known.status_code == new.status_code == pending.status_code == 200
    assert pages[0] == pages[1] == pages[2]
    # The owner of the known address is told by email, privately.
    [told] = smtp_inbox.to("known@example.com")
    assert "already subscribed" in told["Subject"]
    assert Subscriber.objects.get(email="known@example.com").status == "confirmed"
    assert len(smtp_inbox.to("unknown@example.com")) == 2  # a pending one gets its link again


@pytest.mark.parametrize("reason", ["hard_bounce", "complaint", "manual"])
def test_a_suppressed_address_gets_the_same_answer_and_no_mail(subscribe, smtp_inbox, reason):
    suppress("blocked@example.com", reason)
    response = subscribe("blocked@example.com")
    assert response.status_code == 200 and b"Check your inbox" in response.content
    assert b"bounced our mail before" in response.content  # what to do if nothing comes
    assert smtp_inbox.messages == []
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", b"Enter your email address."),
        ("not-an-address", b"Enter a whole email address"),
        ("two@@example.com", b"Enter a whole email address"),
        ("reader@example.com\r\nBcc: victim@example.com", b"Enter a whole email address"),
        ("a" * 250 + "@example.com", b"at most 254 characters"),
    ],
)
def test_a_bad_address_is_refused_with_a_clear_message(subscribe, smtp_inbox, email, message):
    response = subscribe(email)
    assert response.status_code == 400
    assert message in response.content
    assert smtp_inbox.messages == [] and not Subscriber.objects.exists()


@pytest.mark.parametrize(
    "name", ["Eve\r\nBcc: victim@example.com", "Eve\nX", "Eve\x00", "Eve\u2028Mallory"]
)
def test_a_name_with_line_breaks_is_refused(subscribe, smtp_inbox, name):
    response = subscribe("eve@example.com", name)
    assert response.status_code == 400
    assert b"A name must be one line of text" in response.content
    assert smtp_inbox.messages == [] and not Subscriber.objects.exists()


def test_a_post_without_the_csrf_token_of_the_page_is_refused(browser):
    response = browser.post("/subscribe/", {"email": "reader@example.com"})
    assert response.status_code == 403
    assert not Subscriber.objects.exists()


def test_one_address_cannot_be_mail_bombed(subscribe, smtp_inbox, settings):
    settings.SUBSCRIBERS_THROTTLE_PER_ADDRESS = 3
    answers = [subscribe("target@example.com").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert len(smtp_inbox.to("target@example.com")) == 3


def test_one_address_is_throttled_across_clients_and_cases(
    smtp_inbox, settings, django_capture_on_commit_callbacks
):
    settings.SUBSCRIBERS_THROTTLE_PER_ADDRESS = 2
    answers = []
    for n, email in enumerate(["target@example.com", "TARGET@example.com", "Target@Example.com"]):
        client = Client(enforce_csrf_checks=True, REMOTE_ADDR=f"203.0.113.{n}")
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(csrf_post(client, "/subscribe/", {"email": email}).status_code)
    assert answers == [200, 200, 429]
    assert len(smtp_inbox.to("target@example.com")) == 2


def test_one_client_cannot_subscribe_a_crowd(subscribe, smtp_inbox, settings):
    settings.SUBSCRIBERS_THROTTLE_PER_CLIENT = 4
    answers = [subscribe(f"person{n}@example.com").status_code for n in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]
    assert len(smtp_inbox.messages) == 4
    response = subscribe("one-more@example.com")
    assert b"Too many requests" in response.content


def test_the_client_address_comes_from_the_proxy_header_when_configured(
    smtp_inbox, settings, django_capture_on_commit_callbacks
):
    settings.SUBSCRIBERS_THROTTLE_PER_CLIENT = 1
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    answers = []
    for n in range(3):
        client = Client(enforce_csrf_checks=True, HTTP_X_REAL_IP=f"192.0.2.{n}")
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                csrf_post(client, "/subscribe/", {"email": f"p{n}@example.com"}).status_code
            )
    assert answers == [200, 200, 200]  # behind one proxy, three clients


def test_an_unsubscribed_reader_comes_back_only_by_confirming(subscribe, smtp_inbox, client):
    reader = Subscriber.objects.create(email="back@example.com", status="confirmed")
    old_confirmation = links.confirmation_url(reader)
    client.post(links.preferences_url(reader), {"action": "unsubscribe"})
    assert Suppression.objects.get().reason == "unsubscribe"

    # An old confirmation link does not undo the unsubscribe.
    response = client.post(old_confirmation)
    assert b"Nothing to confirm" in response.content
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"

    subscribe("back@example.com")
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"  # asked, not yet confirmed
    [message] = smtp_inbox.to("back@example.com")
    [confirm_url] = [url for url in links_in(message) if "/subscribe/confirm/" in url]
    client.post(confirm_url)
    reader.refresh_from_db()
    assert reader.status == "confirmed"
    assert not Suppression.objects.exists()
    assert list(Subscriber.objects.confirmed()) == [reader]
    assert reader.consents.filter(confirmed_at__isnull=False).count() == 1


def test_resubscribing_from_the_preferences_page_sends_a_confirmation(
    smtp_inbox, client, django_capture_on_commit_callbacks
):
    reader = Subscriber.objects.create(email="back@example.com", status="unsubscribed")
    suppress(reader.email, "unsubscribe")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(links.preferences_url(reader), {"action": "resubscribe"})
    assert b"We sent a confirmation link" in response.content
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"
    [message] = smtp_inbox.to("back@example.com")
    consent = reader.consents.get()
    assert consent.source == "preferences page (resubscribe)"


@pytest.mark.parametrize("reason", ["hard_bounce", "complaint"])
def test_a_bounced_or_complaining_address_cannot_be_silently_resubscribed(
    smtp_inbox, client, django_capture_on_commit_callbacks, reason
):
    reader = Subscriber.objects.create(email="gone@example.com", status="confirmed")
    pending_link = links.confirmation_url(reader)
    suppress(reader.email, reason)
    page = client.get(links.preferences_url(reader))
    assert b"on our suppression list" in page.content
    assert b'value="resubscribe"' not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(links.preferences_url(reader), {"action": "resubscribe"})
        client.post(pending_link)
    assert smtp_inbox.messages == []
    assert Suppression.objects.get().reason == reason
    assert list(Subscriber.objects.confirmed()) == []


def test_a_tampered_or_expired_confirmation_link_is_refused(client, settings):
    reader = Subscriber.objects.create(email="reader@example.com")
    token = links.confirmation_token(reader)
    response = client.post(f"/subscribe/confirm/{token}x/")
    assert response.status_code == 404 and b"This link is not valid" in response.content
    settings.SUBSCRIBERS_CONFIRM_MAX_AGE = -1
    response = client.post(f"/subscribe/confirm/{token}/")
    assert response.status_code == 410 and b"has expired" in response.content
    reader.refresh_from_db()
    assert reader.status == "pending"


def test_subscriber_pages_are_never_stored_by_caches(client):
    response = client.get("/subscribe/")
    assert "no-store" in response["Cache-Control"]
    assert client.get("/subscribe/").get("X-Cache") != "hit"


def test_the_email_edition_links_to_the_subscribe_page(client, published):
    url = Revision.objects.get(issue=published()).get_absolute_url()
    html = client.get(url + "email/").content.decode()
    text = client.get(url + "email.txt").content.decode()
    assert 'href="http://testserver/subscribe/"' in html
    assert "Subscribe: http://testserver/subscribe/" in text


def test_an_unsubscribe_withdraws_a_pending_resubscription(subscribe, smtp_inbox, client):
    reader = Subscriber.objects.create(email="back@example.com", status="unsubscribed")
    suppress(reader.email, "unsubscribe")
    subscribe("back@example.com")  # asks to come back, then thinks better of it
    [message] = smtp_inbox.to("back@example.com")
    [confirm_url] = [url for url in links_in(message) if "/subscribe/confirm/" in url]
    one_click = client.post(
        links.one_click_unsubscribe_url(reader),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    response = client.post(confirm_url)
    assert b"Nothing to confirm" in response.content
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"
    assert Suppression.objects.get().reason == "unsubscribe"


def test_a_bounced_reader_comes_back_only_by_confirming_once_staff_lift_the_bounce():
    reader = Subscriber.objects.create(
        email="moved@example.com", status="confirmed", confirmed_at=timezone.now()
    )
    subscriptions.bounced(reader.email, detail="550 5.1.1 no such user")
    reader.refresh_from_db()
    assert reader.status == "bounced"
    assert not Subscriber.objects.confirmed().exists()
    assert subscriptions.request_resubscription(reader) == "suppressed"

    Suppression.objects.get(email=reader.email).delete()  # staff, in the admin
    assert subscriptions.request_resubscription(reader) == "confirmation_sent"
    reader.refresh_from_db()
    assert reader.status == "bounced"  # not mailed until the mailbox answers
    assert subscriptions.confirm(reader) == "confirmed"
    assert list(Subscriber.objects.confirmed()) == [reader]
