"""Public responses in Brotli or gzip, stored compressed, each encoding with its own ETag."""

import gzip
import re

import brotli
import pytest
from django.core.cache import caches

from newsletter.reader.cache import CACHE_ALIAS, KEY_PREFIX, served_key
from newsletter.reader.compression import negotiate
from tests.helpers.reader import STATE_QUERY

pytestmark = pytest.mark.django_db

ISSUE = "/issues/1-issue-1/"
TEXT_URLS = ["/", "/issues/", ISSUE, "/papers/", "/feed/rss/", "/sitemap.xml", "/api/issues/"]


def decoded(response) -> bytes:
    encoding = response.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.content)
    if encoding == "gzip":
        return gzip.decompress(response.content)
    assert encoding is None
    return response.content


def varies(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


@pytest.mark.parametrize("url", TEXT_URLS)
def test_every_text_page_comes_in_brotli_or_gzip_with_the_same_bytes_inside(client, published, url):
    published(1)
    plain = client.get(url)

    br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})

    assert plain.status_code == br.status_code == gz.status_code == 200
    assert "Content-Encoding" not in plain
    assert br["Content-Encoding"] == "br"
    assert gz["Content-Encoding"] == "gzip"
    assert decoded(br) == decoded(gz) == plain.content
    assert len(br.content) < len(plain.content) and len(gz.content) < len(plain.content)
    assert br["Content-Length"] == str(len(br.content))
    for response in (plain, br, gz):
        assert "accept-encoding" in varies(response), url
        assert response["Content-Type"] == plain["Content-Type"]


def test_each_encoding_has_its_own_strong_etag(client, published):
    published(1)
    plain = client.get(ISSUE)["ETag"]

    br = client.get(ISSUE, headers={"Accept-Encoding": "br"})["ETag"]
    gz = client.get(ISSUE, headers={"Accept-Encoding": "gzip"})["ETag"]

    assert re.fullmatch(r'"[0-9a-f]{32}"', plain)
    assert br == plain[:-1] + '-br"'
    assert gz == plain[:-1] + '-gzip"'


def test_a_compressed_page_is_stored_compressed_and_served_with_the_one_state_query(
    client, published, django_assert_num_queries
):
    published(1)
    first = client.get(ISSUE, headers={"Accept-Encoding": "br"})
    assert first["X-Cache"] == "miss"

    with django_assert_num_queries(2 * STATE_QUERY):
        again = client.get(ISSUE, headers={"Accept-Encoding": "gzip"})
        same = client.get(ISSUE, headers={"Accept-Encoding": "br"})

    assert again["X-Cache"] == same["X-Cache"] == "hit"
    assert again["Content-Encoding"] == "gzip"
    assert same.content == first.content
    assert same["ETag"] == first["ETag"]
    assert decoded(again) == decoded(first)


def test_each_encoding_is_stored_apart_so_a_hit_reads_only_the_bytes_it_sends(client, published):
    published(1)
    first = client.get("/feed/rss/", headers={"Accept-Encoding": "br"})
    assert first["X-Cache"] == "miss"
    memory = caches[CACHE_ALIAS]
    # The cache's own keys are ":1:<ours>" (Django's prefix and version).
    [key] = {k.split(":", 2)[2].rsplit(":", 1)[0] for k in memory._cache if KEY_PREFIX in k}
    stored = {e: memory.get(served_key(key, e)) for e in (None, "br", "gzip")}

    for encoding, asked in ((None, "identity"), ("br", "br, gzip"), ("gzip", "gzip")):
        hit = client.get("/feed/rss/", headers={"Accept-Encoding": asked})
        assert hit["X-Cache"] == "hit"
        entry = stored[encoding]
        # The stored bytes are those sent, with their headers: no other encoding's.
        assert entry.content == hit.content
        assert entry.encoded == ()
        assert dict(entry.headers).get("Content-Encoding") == encoding
        assert dict(entry.headers)["ETag"] == hit["ETag"]


def test_a_304_answers_the_etag_of_the_encoding_asked_for(
    client, published, django_assert_num_queries
):
    published(1)
    br = client.get(ISSUE, headers={"Accept-Encoding": "br"})

    with django_assert_num_queries(STATE_QUERY):
        revalidated = client.get(
            ISSUE, headers={"Accept-Encoding": "br", "If-None-Match": br["ETag"]}
        )
    other_encoding = client.get(
        ISSUE, headers={"Accept-Encoding": "gzip", "If-None-Match": br["ETag"]}
    )

    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated["ETag"] == br["ETag"]
    assert "accept-encoding" in varies(revalidated)
    # The gzip bytes are another representation: its client is sent them in full.
    assert other_encoding.status_code == 200
    assert other_encoding["Content-Encoding"] == "gzip"


def test_a_logged_in_editor_gets_public_pages_compressed_too_but_never_the_admin(
    client, published, editor
):
    published(1)
    client.force_login(editor)

    page = client.get(ISSUE, headers={"Accept-Encoding": "br"})
    admin = client.get("/admin/", headers={"Accept-Encoding": "br, gzip"})

    assert page.get("X-Cache") is None
    assert page["Content-Encoding"] == "br"
    assert b"Fine-tuning on a laptop" in decoded(page)
    # Admin pages carry a CSRF token: compressing them would let their length leak it.
    assert admin.status_code == 200
    assert "Content-Encoding" not in admin


def test_a_response_too_small_to_gain_is_sent_as_it_is(client):
    response = client.get("/robots.txt", headers={"Accept-Encoding": "br, gzip"})

    assert response.status_code == 200
    assert len(response.content) < 256
    assert "Content-Encoding" not in response


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("", None),
        ("identity", None),
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, br", "br"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("*", "br"),
        ("*;q=0", None),
        ("br;q=nonsense, gzip", "gzip"),
        ("GZIP ; Q=1", "gzip"),
        (",,;", None),
    ],
)
def test_accept_encoding_is_read_with_its_quality_values(header, chosen):
    assert negotiate(header, ("br", "gzip")) == chosen
