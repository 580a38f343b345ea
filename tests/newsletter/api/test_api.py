"""The read-only JSON API: live issues only, from their snapshots, with absolute URLs."""

import json
from dataclasses import fields
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from newsletter.content.snapshot import PaperCard
from newsletter.models import Issue, Revision
from tests.helpers.reader import (
    HOST,
    PUBLISHED_CACHE_CONTROL,
    STATE_QUERY,
    correct,
    renumbered_before_the_rule,
)

pytestmark = pytest.mark.django_db


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


# The list


def test_the_list_shows_live_issues_newest_first_with_their_summary(client, illustrated):
    first_live = (timezone.now() - timedelta(days=10)).replace(microsecond=0)
    with time_machine.travel(first_live, tick=False):
        illustrated(1)
    revision = Revision.objects.live().get()

    data = get(client, "/api/issues/")

    assert data["count"] == 1
    assert data["page"] == 1
    assert data["pages"] == 1
    assert data["next"] is None
    assert data["previous"] is None
    assert data["items"] == [
        {
            "number": 1,
            "title": "Small models, big ideas",
            "slug": "issue-1",
            "url": f"{HOST}issues/1-issue-1/",
            "published_at": first_live.isoformat().replace("+00:00", "Z"),
            "updated_at": revision.go_live_at.isoformat().replace("+00:00", "Z"),
            "summary_html": f'<p>Read <a href="{HOST}issues/">the previous issue</a> first.</p>',
            "hero_image": {
                "url": f"{HOST}media/images/2024/05/hero-1.jpg",
                "width": 1600,
                "height": 900,
                "alt": "A picture of hero-1",
                "caption": "",
                "credit": "",
                "credit_url": "",
                "renditions": [
                    {"url": f"{HOST}media/renditions/hero-1-{w}.webp", "width": w, "height": h}
                    for w, h in ((480, 270), (960, 540), (1600, 900))
                ],
            },
        }
    ]


def test_the_list_has_only_live_issues_until_a_scheduled_one_goes_live(
    client, published, make_issue
):
    tomorrow = timezone.now() + timedelta(days=1)
    published(1)
    published(2, at=tomorrow)
    make_issue(3)

    assert [i["number"] for i in get(client, "/api/issues/")["items"]] == [1]
    with time_machine.travel(tomorrow + timedelta(seconds=1)):
        assert [i["number"] for i in get(client, "/api/issues/")["items"]] == [2, 1]


def test_the_list_is_paginated_twenty_issues_a_page(client, published):
    for number in range(1, 23):
        published(number)

    first = get(client, "/api/issues/")
    second = get(client, first["next"].removeprefix("http://testserver"))

    assert first["count"] == second["count"] == 22
    assert first["pages"] == 2
    assert [i["number"] for i in first["items"]] == list(range(22, 2, -1))
    assert first["next"] == f"{HOST}api/issues/?page=2"
    assert [i["number"] for i in second["items"]] == [2, 1]
    assert second["previous"] == f"{HOST}api/issues/?page=1"
    assert second["next"] is None
    assert get(client, "/api/issues/?page=3", status=404) == {"detail": "No such page."}


def test_an_empty_site_has_an_empty_first_page(client):
    assert get(client, "/api/issues/") == {
        "count": 0,
        "page": 1,
        "pages": 1,
        "next": None,
        "previous": None,
        "items": [],
    }


def test_a_correction_keeps_the_first_publication_date(client, published):
    issue = published(1)
    before = get(client, "/api/issues/")["items"][0]

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        correct(issue, title="Corrected")
        after = get(client, "/api/issues/")["items"][0]

    assert after["title"] == "Corrected"
    assert after["published_at"] == before["published_at"]
    assert after["updated_at"] > before["updated_at"]


# One issue


def test_an_issue_comes_in_full_with_sections_entries_and_absolute_urls(client, illustrated):
    illustrated(1)
    page = f"{HOST}issues/1-issue-1/"

    data = get(client, "/api/issues/1/")

    assert data["url"] == page
    assert [s["title"] for s in data["sections"]] == ["My work", "Papers & research"]
    work, papers = data["sections"]
    assert work["url"] == f"{page}#section-my-work"
    laptop, harness = work["entries"]
    assert laptop == {
        "kind": "item",
        "anchor": "item-fine-tuning-on-a-laptop",
        "url": f"{page}#item-fine-tuning-on-a-laptop",
        "title": "Fine-tuning on a laptop",
        "link": "https://example.com/laptop",
        "source": "Example blog",
        "body_html": (
            f'<p>See <a href="{HOST}issues/">the archive</a> and '
            f'<img alt="a chart" src="{HOST}media/images/chart.png" loading="lazy" '
            'decoding="async">.</p>'
        ),
        "image": {
            "url": f"{HOST}media/images/2024/05/laptop-1.jpg",
            "width": 800,
            "height": 600,
            "alt": "A picture of laptop-1",
            "caption": "",
            "credit": "",
            "credit_url": "",
            "renditions": [
                {"url": f"{HOST}media/renditions/laptop-1-480.webp", "width": 480, "height": 360}
            ],
        },
    }
    assert harness["image"] is None
    assert harness["link"] == ""
    [paper] = papers["entries"]
    assert paper == {
        "kind": "paper",
        "anchor": "paper-attention-is-all-you-need",
        "url": f"{page}#paper-attention-is-all-you-need",
        "title": "Attention Is All You Need",
        "authors": "Ashish Vaswani, Noam Shazeer, Niki Parmar, et al.",
        "arxiv_id": "1706.03762",
        "arxiv_url": "https://arxiv.org/abs/1706.03762",
        "paper_url": "https://arxiv.org/abs/1706.03762",
        "code_url": "",
        "demo_url": "",
        "summary_html": "<p>The transformer paper; everything since builds on it.</p>",
        "image": None,
    }


def test_an_issue_exposes_no_database_ids(client, illustrated):
    illustrated(1)

    body = client.get("/api/issues/1/").content.decode()

    assert '"id"' not in body
    assert "image_ids" not in body
    assert "wf-" not in body  # the users who published it


def test_a_number_with_only_a_draft_or_a_schedule_is_not_found(client, published, make_issue):
    make_issue(1, title="A draft")
    tomorrow = timezone.now() + timedelta(days=1)
    published(2, at=tomorrow)

    for number in (1, 2, 99):
        response = client.get(f"/api/issues/{number}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "No published issue has that number."}
        assert "public" not in response.get("Cache-Control", "")
    assert client.get("/api/issues/two/").status_code == 404

    with time_machine.travel(tomorrow + timedelta(seconds=1)):
        assert get(client, "/api/issues/2/")["number"] == 2


def test_an_issue_is_read_from_its_live_revision_not_the_working_copy(client, published):
    issue = published(1)
    Issue.objects.filter(pk=issue.pk).update(title="MARKER", slug="marker")
    renumbered_before_the_rule(issue, 9)

    assert get(client, "/api/issues/1/")["title"] == "Small models, big ideas"
    assert client.get("/api/issues/9/").status_code == 404


def test_hostile_text_is_returned_as_plain_string_data(client, published):
    published(1, title="<script>alert(1)</script>")

    assert get(client, "/api/issues/1/")["title"] == "<script>alert(1)</script>"
    assert get(client, "/api/issues/")["items"][0]["title"] == "<script>alert(1)</script>"


# Caching, queries, methods, description


def test_cache_control_is_the_same_whether_or_not_an_issue_is_scheduled(client, published):
    published(1)
    for url in ("/api/issues/", "/api/issues/1/"):
        assert client.get(url)["Cache-Control"] == PUBLISHED_CACHE_CONTROL, url

    at = (timezone.now() + timedelta(seconds=31)).replace(microsecond=0)
    published(2, at=at)
    with time_machine.travel(at - timedelta(seconds=30), tick=False):
        for url in ("/api/issues/", "/api/issues/1/"):
            assert client.get(url)["Cache-Control"] == PUBLISHED_CACHE_CONTROL, url


def test_the_api_runs_a_small_constant_number_of_queries(
    client, published, django_assert_num_queries
):
    for number in range(1, 6):
        published(number)

    with django_assert_num_queries(STATE_QUERY + 2):
        client.get("/api/issues/")
    with django_assert_num_queries(STATE_QUERY + 1):
        client.get("/api/issues/5/")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, published, method):
    published(1)

    for url in ("/api/issues/", "/api/issues/1/"):
        assert getattr(client, method)(url).status_code == 405, url


def test_the_openapi_description_lists_both_paths_with_get_only(client, settings):
    spec = json.loads(client.get("/api/openapi.json").content)

    assert spec["info"] == {
        "title": f"{settings.SITE_NAME} API",
        "version": "1",
        "description": spec["info"]["description"],
    }
    assert set(spec["paths"]) == {"/api/issues/", "/api/issues/{number}/"}
    for path, operations in spec["paths"].items():
        assert set(operations) == {"get"}, path
        assert "security" not in operations["get"], path


def test_the_api_has_a_docs_page(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert b"/api/openapi.json" in response.content


def test_the_openapi_paper_entry_is_the_snapshot_card_between_address_and_commentary(client):
    """The API describes a paper by the snapshot's one list of card fields, all required."""
    schema = json.loads(client.get("/api/openapi.json").content)["components"]["schemas"]
    paper = schema["PaperEntry"]
    card = [field.name for field in fields(PaperCard)]

    assert card == [
        "title",
        "authors",
        "arxiv_id",
        "arxiv_url",
        "paper_url",
        "code_url",
        "demo_url",
    ]
    assert list(paper["properties"]) == ["kind", "anchor", "url", *card, "summary_html", "image"]
    assert paper["required"] == list(paper["properties"])
    for name in card:
        assert paper["properties"][name] == {
            "title": name.replace("_", " ").title(),
            "type": "string",
        }
