"""Signed per-recipient links: they name one person, cannot be forged or altered."""

from datetime import timedelta

import pytest
import time_machine
from django.core.signing import b62_encode
from django.utils import timezone

from subscribers import links
from subscribers.models import Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return Subscriber.objects.create(email="reader@example.com", status="confirmed")


def test_a_token_names_its_subscriber(reader):
    assert links.subscriber_for_token(links.unsubscribe_token(reader)) == reader


def test_tokens_differ_per_person_and_do_not_contain_the_address(reader):
    other = Subscriber.objects.create(email="other@example.com")
    token = links.unsubscribe_token(reader)
    assert token != links.unsubscribe_token(other)
    assert "reader" not in token and "example" not in token


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.upper(),
        lambda t: t.split(":")[0],
        lambda t: "",
        lambda t: "x" * 500,
        lambda t: "!!:" + t.split(":")[1],
        lambda t: "-1:" + t.split(":")[1],
        lambda t: "zzzzzzzzzzzz:abc",
    ],
)
def test_an_altered_token_names_nobody(reader, tamper):
    assert links.subscriber_for_token(tamper(links.unsubscribe_token(reader))) is None


def test_another_persons_id_with_my_signature_names_nobody(reader):
    other = Subscriber.objects.create(email="other@example.com")
    signature = links.unsubscribe_token(reader).split(":", 1)[1]
    assert links.subscriber_for_token(f"{b62_encode(other.pk)}:{signature}") is None


def test_a_new_link_secret_voids_every_link_sent(reader):
    token = links.unsubscribe_token(reader)
    reader.link_secret = "0" * 32
    reader.save()
    assert links.subscriber_for_token(token) is None


def test_a_confirmation_token_is_not_an_unsubscribe_token_and_the_reverse(reader):
    assert links.subscriber_for_token(links.confirmation_token(reader)) is None
    assert links.subscriber_for_confirmation_token(links.unsubscribe_token(reader)) is None


def test_a_confirmation_token_expires(reader, settings):
    settings.SUBSCRIBERS_CONFIRM_MAX_AGE = 3600
    token = links.confirmation_token(reader)
    assert links.subscriber_for_confirmation_token(token) == reader
    later = timezone.now() + timedelta(hours=2)
    with time_machine.travel(later), pytest.raises(links.LinkExpired):
        links.subscriber_for_confirmation_token(token)


def test_unsubscribe_urls_are_absolute_on_site_url(reader, settings):
    settings.SITE_URL = "https://news.example.com"
    token = links.unsubscribe_token(reader)
    assert links.one_click_unsubscribe_url(reader) == (
        f"https://news.example.com/unsubscribe/{token}/"
    )
    assert links.preferences_url(reader) == f"https://news.example.com/subscription/{token}/"


def test_the_mailto_carries_the_token_in_its_subject(reader, settings):
    settings.SUBSCRIBERS_UNSUBSCRIBE_MAILTO = "leave@news.example.com"
    mailto = links.unsubscribe_mailto(reader)
    assert mailto.startswith("mailto:leave@news.example.com?subject=unsubscribe%20")
    token = links.token_from_mail_subject("Re: unsubscribe " + links.unsubscribe_token(reader))
    assert links.subscriber_for_token(token) == reader


def test_production_warns_when_unsubscribe_links_would_not_be_https(settings):
    from subscribers.checks import site_url_is_https

    settings.DEBUG = False
    settings.SITE_URL = "http://news.example.com"
    assert [w.id for w in site_url_is_https()] == ["subscribers.W001"]
    settings.SITE_URL = "https://news.example.com"
    assert site_url_is_https() == []
