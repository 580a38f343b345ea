"""Requests that miss the same page at once build it once: the others wait for its bytes.

These tests commit (transactional_db): each request runs in a thread of its own, with a
database connection of its own, as in a web worker. The first request's build is
held in PostgreSQL (another connection locks the search rows, which a search page reads
and the publication state does not) until every other request has missed and waits.
"""

import threading
import time

import pytest
from django.db import connections
from django.test import Client

from newsletter.reader import flights

pytestmark = pytest.mark.django_db(transaction=True)
READERS = 6


def locked_search_rows():
    """A connection of its own holding the search rows, so that a search's build waits."""
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("LOCK TABLE newsletter_searchentry IN ACCESS EXCLUSIVE MODE")
    return holder


def ask_at_once(url: str, **headers) -> list:
    """`READERS` readers ask `url` while the first build is held; their responses."""
    responses = [None] * READERS
    holder = locked_search_rows()

    def read(n):
        try:
            responses[n] = Client().get(url, headers=headers)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read, args=(n,)) for n in range(READERS)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while flights.in_progress() == 0:  # the first has missed and is building
            assert time.monotonic() < deadline, "no request began building the page"
            time.sleep(0.01)
        time.sleep(0.5)  # the others read the state, miss and wait for it
    finally:
        holder.rollback()  # lets the build go on
        holder.close()
    for thread in threads:
        thread.join(30)
    assert all(r is not None for r in responses)
    return responses


def test_readers_missing_a_page_at_once_are_served_one_build(published):
    published(1)

    responses = ask_at_once("/search/?q=fitting")

    kinds = sorted(r["X-Cache"] for r in responses)
    assert kinds == ["miss"] + ["shared"] * (READERS - 1)
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert len({r["ETag"] for r in responses}) == 1
    assert b"fitting" in responses[0].content.lower()
    assert flights.in_progress() == 0
    # Asked once before, by the first: this asking stores it (admission.py), then a hit.
    assert Client().get("/search/?q=fitting")["X-Cache"] == "miss"
    assert Client().get("/search/?q=fitting")["X-Cache"] == "hit"


def test_waiting_readers_get_the_encoding_they_ask_for(published):
    published(1)

    responses = ask_at_once("/search/?q=fitting", **{"Accept-Encoding": "br"})

    assert sorted(r["X-Cache"] for r in responses) == ["miss"] + ["shared"] * (READERS - 1)
    assert {r.get("Content-Encoding") for r in responses} == {"br"}
    assert len({r.content for r in responses}) == 1


def test_readers_build_their_own_when_the_first_has_nothing_to_share(published):
    published(1)

    # A papers page past the last is a 404 (it reads the paper search rows to know): not
    # stored, so the first has nothing to hand on and each waiting reader builds its own.
    responses = ask_at_once("/papers/?page=9999")

    assert {r.status_code for r in responses} == {404}
    assert not [r for r in responses if r.get("X-Cache") == "shared"]
    assert flights.in_progress() == 0


def test_a_head_request_builds_without_joining_a_build(published):
    published(1)

    response = Client().head("/search/?q=fitting")

    assert response.status_code == 200
    assert response["X-Cache"] == "miss"
    assert flights.in_progress() == 0
