"""An address with a query is stored in the whole-response cache only once asked again.

Searches are the open-ended part of the site's addresses: most are asked once, and storing
each would fill the cache (and a worker's memory) with pages nobody asks for again.
"""

import pytest
from django.core.cache import caches
from django.test import Client

from newsletter.reader.admission import Doorkeeper
from newsletter.reader.cache import CACHE_ALIAS, IDENTITY, KEY_PREFIX

pytestmark = pytest.mark.django_db


def stored_responses() -> int:
    """Responses stored: each is stored once per encoding, its plain bytes among them."""
    keys = caches[CACHE_ALIAS]._cache
    return sum(1 for key in keys if KEY_PREFIX in key and key.endswith(f":{IDENTITY}"))


def test_a_search_is_stored_the_second_time_it_is_asked(published):
    published(1)
    client = Client()

    first, second, third = (client.get("/search/?q=fitting") for _ in range(3))

    assert [r["X-Cache"] for r in (first, second, third)] == ["miss", "miss", "hit"]
    assert first.content == second.content == third.content
    assert first["ETag"] == third["ETag"]


def test_a_path_without_a_query_is_stored_the_first_time(published):
    published(1)
    client = Client()

    assert client.get("/issues/1-issue-1/")["X-Cache"] == "miss"
    assert client.get("/issues/1-issue-1/")["X-Cache"] == "hit"


def test_searches_asked_once_leave_nothing_in_the_cache(published):
    published(1)
    client = Client()
    client.get("/")  # one page stored, for comparison
    assert stored_responses() == 1

    for n in range(200):
        assert client.get(f"/search/?q=fitting+{n}").status_code == 200

    assert stored_responses() == 1


def test_a_matching_if_none_match_on_a_search_not_stored_is_still_304(published):
    published(1)
    client = Client()
    tag = client.get("/search/?q=fitting")["ETag"]

    response = client.get("/search/?q=fitting", headers={"If-None-Match": tag})

    assert response.status_code == 304


def test_the_doorkeeper_forgets_the_longest_unasked_address_first():
    keeper = Doorkeeper(size=3)
    for address in ("/a?1", "/a?2", "/a?3"):
        assert keeper.admit(address) is False
    assert keeper.admit("/a?1") is True  # asked again: admitted, and now the newest
    assert keeper.admit("/a?4") is False  # pushes out /a?2, the longest unasked

    assert keeper.admit("/a?2") is False
    assert keeper.admit("/a?1") is True
