"""The whole-response cache: stored bytes under the publication state, never stale."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone

from editorial import previews
from editorial.roles import PUBLISHERS
from editorial.workflow import perform
from newsletter.models import PublicationState, Revision
from newsletter.reader.cache import KEY_PREFIX
from newsletter.reader.http import public_until_next_change
from tests.helpers.reader import PUBLISHED_CACHE_CONTROL, STATE_QUERY, stored_get
from tests.helpers.redis_server import redis_server
from tests.helpers.workflow import publish, role_user

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/issues/",
    "/issues/1-issue-1/",
    "/issues/1/",
    "/papers/",
    "/search/?q=fitting",
    "/feed/rss/",
    "/feed/atom/",
    "/sitemap.xml",
    "/robots.txt",
    "/api/issues/",
    "/api/issues/1/",
    "/issues/1-issue-1/email/",
    "/issues/1-issue-1/email.txt",
]


def text(response) -> str:
    return response.content.decode()


def publisher():
    return role_user("wf-publisher", PUBLISHERS)


def stored_responses() -> list[str]:
    """The whole responses in the (local memory) cache."""
    return [key for key in caches["default"]._cache if KEY_PREFIX in key]


# Hits


def test_a_cached_page_is_served_with_the_one_state_query_and_the_same_bytes(
    client, published, django_assert_num_queries
):
    published(1)

    for url in PUBLIC_URLS:
        first = stored_get(client, url)
        assert first.status_code in (200, 301), url
        assert first["X-Cache"] == "miss", url
        with django_assert_num_queries(STATE_QUERY):
            again = client.get(url)
        assert again["X-Cache"] == "hit", url
        assert again.status_code == first.status_code, url
        assert again.content == first.content, url
        for header in ("Content-Type", "Cache-Control", "ETag", "Last-Modified", "Location"):
            assert again.get(header) == first.get(header), (url, header)


def test_public_pages_carry_a_strong_etag_and_last_modified(client, published):
    issue = published(1)
    went_live = Revision.objects.get(issue=issue).go_live_at

    response = client.get("/issues/1-issue-1/")

    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    assert response["Last-Modified"] == went_live.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert response["Cache-Control"] == PUBLISHED_CACHE_CONTROL
    assert client.get("/issues/")["ETag"] != response["ETag"]


def test_a_head_request_is_answered_from_the_cache(client, published, django_assert_num_queries):
    published(1)
    stored = client.get("/issues/1-issue-1/")

    with django_assert_num_queries(STATE_QUERY):
        head = client.head("/issues/1-issue-1/")

    assert head.status_code == 200
    assert head["ETag"] == stored["ETag"]
    assert head.content == b""


def test_the_query_string_is_part_of_the_key(client, published):
    published(1)
    stored_get(client, "/search/?q=fitting")

    other = stored_get(client, "/search/?q=zeppelin")

    assert other["X-Cache"] == "miss"
    assert client.get("/search/?q=fitting")["X-Cache"] == "hit"
    assert client.get("/search/?q=zeppelin")["X-Cache"] == "hit"


# Conditional requests


def test_a_matching_if_none_match_gets_304_without_running_the_view(
    client, published, django_assert_num_queries
):
    published(1)
    tag = client.get("/issues/1-issue-1/")["ETag"]

    with django_assert_num_queries(STATE_QUERY):
        response = client.get("/issues/1-issue-1/", headers={"If-None-Match": tag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag
    assert response["Cache-Control"] == PUBLISHED_CACHE_CONTROL
    assert "Last-Modified" in response


def test_a_stale_etag_gets_the_new_page_after_a_publish(client, published, make_issue):
    published(1)
    tag = client.get("/")["ETag"]
    publish(make_issue(2, title="Second wind"))

    response = client.get("/", headers={"If-None-Match": tag})

    assert response.status_code == 200
    assert "Second wind" in text(response)
    assert response["ETag"] != tag


def test_if_modified_since_alone_never_gets_304(client, published):
    published(1)
    modified = client.get("/")["Last-Modified"]

    assert client.get("/", headers={"If-Modified-Since": modified}).status_code == 200


# Every change is seen at once


def test_publish_schedule_cancel_and_unpublish_each_change_cached_pages_at_once(
    client, published, make_issue
):
    published(1, title="First light")
    assert client.get("/")["X-Cache"] == "miss"
    assert client.get("/")["X-Cache"] == "hit"

    # Publish now: the cached home page shows it on the very next request.
    second = make_issue(2, title="Second wind")
    publish(second)
    home = client.get("/")
    assert home["X-Cache"] == "miss"
    assert "Second wind" in text(home)
    assert client.get("/issues/2-issue-2/").status_code == 200

    # Schedule: nothing new to read yet, but the cache keys now end at its second.
    third = make_issue(3, title="Third time")
    at = timezone.now() + timedelta(seconds=100)
    publish(third, at=at)
    home = client.get("/")
    assert home["X-Cache"] == "miss"
    assert "Third time" not in text(home)
    assert home["Cache-Control"] == PUBLISHED_CACHE_CONTROL
    assert client.get("/issues/2-issue-2/")["X-Cache"] == "miss"

    # Cancel the schedule: a new state again.
    perform(third, "cancel_schedule", by=publisher())
    home = client.get("/")
    assert home["X-Cache"] == "miss"
    assert home["Cache-Control"] == PUBLISHED_CACHE_CONTROL

    # Unpublish: gone from every cached page at once.
    perform(second, "unpublish", by=publisher())
    home = client.get("/")
    assert "Second wind" not in text(home)
    assert "Second wind" not in text(client.get("/issues/"))
    assert "Second wind" not in text(client.get("/feed/rss/"))
    assert client.get("/issues/2-issue-2/").status_code == 404
    with time_machine.travel(at + timedelta(seconds=1)):
        assert "Third time" not in text(client.get("/"))


def test_a_scheduled_go_live_flips_cached_pages_at_its_second(client, published, make_issue):
    published(1, title="First light")
    at = (timezone.now() + timedelta(seconds=61)).replace(microsecond=0)
    publish(make_issue(2, title="Second wind"), at=at)

    with time_machine.travel(at - timedelta(seconds=1), tick=False):
        for url in ("/", "/issues/", "/feed/atom/"):
            assert "Second wind" not in text(client.get(url)), url
            before = client.get(url)
            assert before["X-Cache"] == "hit", url
            assert "Second wind" not in text(before), url
            assert before["Cache-Control"] == PUBLISHED_CACHE_CONTROL, url
        assert client.get("/issues/2-issue-2/").status_code == 404

    with time_machine.travel(at, tick=False):
        for url in ("/", "/issues/", "/feed/atom/"):
            after = client.get(url)
            assert after["X-Cache"] == "miss", url
            assert "Second wind" in text(after), url
        assert client.get("/issues/2-issue-2/").status_code == 200


def test_the_end_of_a_live_revision_flips_cached_pages_at_its_second(client, published):
    published(1, title="First light")
    ends = (timezone.now() + timedelta(seconds=30)).replace(microsecond=0)
    Revision.objects.update(ends_at=ends)

    with time_machine.travel(ends - timedelta(seconds=1), tick=False):
        client.get("/issues/1-issue-1/")
        assert client.get("/issues/1-issue-1/")["X-Cache"] == "hit"
    with time_machine.travel(ends, tick=False):
        assert client.get("/issues/1-issue-1/").status_code == 404


def test_the_database_bumps_the_generation_for_every_change_of_an_interval(published):
    def generation():
        return PublicationState.objects.get().generation

    issue = published(1)
    start = generation()
    revision = Revision.objects.get(issue=issue)

    Revision.objects.filter(pk=revision.pk).update(ends_at=timezone.now() + timedelta(days=1))
    assert generation() == start + 1
    Revision.objects.filter(pk=revision.pk).update(ends_at=revision.ends_at)
    assert generation() == start + 2
    # Writing the same interval again changes nothing readers see.
    Revision.objects.filter(pk=revision.pk).update(go_live_at=revision.go_live_at)
    assert generation() == start + 2


# Never for editors, previews or the admin; never with a cookie


def test_a_logged_in_editor_never_gets_a_cached_response(client, published, editor):
    published(1)
    assert client.get("/issues/1-issue-1/")["X-Cache"] == "miss"
    assert client.get("/issues/1-issue-1/")["X-Cache"] == "hit"

    client.force_login(editor)
    for url in PUBLIC_URLS:
        response = client.get(url)
        assert "X-Cache" not in response, url

    # And nothing an editor was served is stored for anyone else.
    client.logout()
    client.cookies.clear()
    assert client.get("/papers/")["X-Cache"] == "miss"


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "messages"])
def test_a_request_with_a_personal_cookie_goes_to_the_view(client, published, cookie):
    published(1)
    client.get("/")
    client.cookies[cookie] = "anything"

    assert "X-Cache" not in client.get("/")


def test_previews_share_links_and_the_admin_are_never_cached(client, published, editor):
    issue = published(1)
    token = previews.make_share_token(issue, 1, days=1)

    for _ in range(2):
        shared = client.get(f"/preview/{token}/")
        assert shared.status_code == 200
        assert "X-Cache" not in shared
        assert "private" in shared["Cache-Control"]
        login = client.get("/admin/login/")
        assert "X-Cache" not in login
        client.cookies.clear()

    client.force_login(editor)
    preview = client.get(f"/admin/preview/issues/{issue.pk}/")
    assert "X-Cache" not in preview
    assert not stored_responses()


def sets_a_cookie(request):
    response = public_until_next_change(HttpResponse("hello"))
    response.set_cookie("tracking", "1")
    return response


def turned_private(request):
    response = public_until_next_change(HttpResponse("mine"))
    response["Cache-Control"] = "private, max-age=0"
    return response


def unmarked(request):
    response = HttpResponse("plain")
    response["Cache-Control"] = "public, max-age=60"
    return response


urlpatterns = [
    path("cookie/", sets_a_cookie),
    path("private/", turned_private),
    path("unmarked/", unmarked),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/cookie/", "/private/", "/unmarked/"])
def test_a_response_that_sets_a_cookie_or_is_not_marked_public_is_never_stored(client, url):
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert response.get("X-Cache") != "hit"
    assert not stored_responses()


# Redis: every process shares one cache, and a publish moves all of them on


@pytest.fixture
def redis_url():
    with redis_server() as url:
        yield url


def test_two_processes_share_the_redis_cache_and_a_publish_moves_both_on(
    settings, redis_url, published, make_issue
):
    def new_process():
        # A settings change drops the cache clients: the next request connects afresh,
        # with a client of its own, as another web process would.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
            }
        }
        return Client()

    published(1, title="First light")

    one = new_process()
    stored = one.get("/")
    assert stored["X-Cache"] == "miss"
    first_cache = caches["default"]

    two = new_process()
    assert caches["default"] is not first_cache
    shared = two.get("/")
    assert shared["X-Cache"] == "hit"
    assert shared.content == stored.content

    publish(make_issue(2, title="Second wind"))

    # What the first process stored is still in Redis, under the old state: unreachable.
    keys = [key.decode() for key in first_cache._cache.get_client().keys("*")]
    assert any(KEY_PREFIX in key for key in keys)
    three = new_process()
    after = three.get("/")
    assert after["X-Cache"] == "miss"
    assert "Second wind" in text(after)
    assert after.content != stored.content
    four = new_process()
    again = four.get("/")
    assert again["X-Cache"] == "hit"
    assert again.content == after.content
