"""Filling a paper from arXiv's Atom API, against a local server with recorded answers."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from curation import rate_limit
from curation.arxiv_client import (
    RATE_KEY,
    ArxivError,
    ArxivUnavailable,
    fetch_paper,
    find_code_link,
)
from curation.models import RateLimit
from tests.helpers.local_server import LocalServer, Response

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        "2201.12086",
        "2201.12086v1",
        "arXiv:2201.12086",
        "https://arxiv.org/abs/2201.12086",
        "https://arxiv.org/abs/2201.12086v2",
        "https://arxiv.org/pdf/2201.12086v2.pdf",
        "http://www.arxiv.org/pdf/2201.12086",
    ],
)
def test_every_spelling_of_an_id_fills_the_paper(arxiv_api, text):
    paper = fetch_paper(text)
    assert paper.title == (
        "BLIP: Bootstrapping Language-Image Pre-training for Unified Vision-Language "
        "Understanding and Generation"
    )
    assert paper.authors == ["Junnan Li", "Dongxu Li", "Caiming Xiong", "Steven Hoi"]
    assert paper.abstract.startswith("Vision-Language Pre-training (VLP) has advanced")
    assert paper.primary_category == "cs.CV"
    assert paper.published == date(2022, 1, 28)
    assert paper.pdf_url == "https://arxiv.org/pdf/2201.12086v2"
    assert paper.abs_url == "https://arxiv.org/abs/2201.12086v2"
    assert paper.code_url == "https://github.com/salesforce/BLIP"
    asked = arxiv_api.seen[-1].path
    assert "id_list=2201.12086" in asked


def test_a_paper_without_a_code_link_has_none_and_keeps_its_comment(arxiv_api):
    paper = fetch_paper("1706.03762")
    assert paper.title == "Attention Is All You Need"
    assert len(paper.authors) == 8 and paper.authors[5] == "Aidan N. Gomez"
    assert paper.primary_category == "cs.CL"
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert paper.comment == "15 pages, 5 figures"
    assert paper.code_url == ""


def test_an_old_style_id(arxiv_api):
    paper = fetch_paper("https://arxiv.org/abs/hep-th/9711200")
    assert paper.arxiv_id == "hep-th/9711200v3"
    assert paper.authors_text == "Juan M. Maldacena"
    assert paper.primary_category == "hep-th"
    assert paper.published == date(1997, 11, 27)
    assert paper.pdf_url == "https://arxiv.org/pdf/hep-th/9711200v3"
    assert "id_list=hep-th%2F9711200" in arxiv_api.seen[-1].path


def test_metadata_survives_its_json_round_trip(arxiv_api):
    paper = fetch_paper("2201.12086")
    assert type(paper).from_json(paper.to_json()) == paper


def test_an_unknown_id_says_so(arxiv_api):
    with pytest.raises(ArxivError, match="arXiv has no paper 2201.99999.*by hand"):
        fetch_paper("2201.99999")


def test_text_that_is_no_arxiv_id_is_refused_before_asking(arxiv_api):
    with pytest.raises(ArxivError, match="Enter an arXiv identifier"):
        fetch_paper("https://example.com/paper")
    assert arxiv_api.seen == []


@pytest.mark.parametrize(
    "body",
    [
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>Cut off",
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><feed>&lol;</feed>',
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>http://arxiv.org/abs/2201.12086"
        b"</id><title>No date</title></entry></feed>",
    ],
)
def test_a_malformed_answer_gives_a_clear_message(local_fetching, body):
    with LocalServer({"/api/query": Response(200, body)}) as api:
        local_fetching.ARXIV_API_URL = api.url("/api/query")
        local_fetching.ARXIV_MIN_INTERVAL = 0
        with pytest.raises(ArxivError, match="could not be read.*by hand"):
            fetch_paper("2201.12086")


def test_a_503_with_retry_after_holds_back_every_later_request(local_fetching):
    busy = Response(503, "Retry later", headers={"Retry-After": "30"})
    with LocalServer({"/api/query": busy}) as api:
        local_fetching.ARXIV_API_URL = api.url("/api/query")
        local_fetching.ARXIV_MIN_INTERVAL = 0
        before = timezone.now()
        with pytest.raises(ArxivUnavailable, match="wait 30 seconds") as refused:
            fetch_paper("2201.12086")
    assert refused.value.retry_after == 30
    next_at = RateLimit.objects.get(key=RATE_KEY).next_at
    assert before + timedelta(seconds=29) < next_at < timezone.now() + timedelta(seconds=31)


def test_an_http_date_retry_after_is_read(local_fetching):
    later = (timezone.now() + timedelta(seconds=120)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    with LocalServer({"/api/query": Response(429, "", headers={"Retry-After": later})}) as api:
        local_fetching.ARXIV_API_URL = api.url("/api/query")
        local_fetching.ARXIV_MIN_INTERVAL = 0
        with pytest.raises(ArxivUnavailable) as refused:
            fetch_paper("2201.12086")
    assert 110 < refused.value.retry_after <= 120


def test_no_network_gives_a_clear_message(local_fetching):
    with LocalServer() as gone:
        port = gone.port
    local_fetching.ARXIV_API_URL = f"http://127.0.0.1:{port}/api/query"
    local_fetching.ARXIV_MIN_INTERVAL = 0
    with pytest.raises(ArxivError, match="arXiv could not be reached.*by hand"):
        fetch_paper("2201.12086")


def test_each_request_reserves_the_next_slot_of_the_shared_limit(arxiv_api, settings):
    """One request per interval across processes: each takes the next slot in the row."""
    settings.ARXIV_MIN_INTERVAL = 30
    fetch_paper("2201.12086")  # takes the slot now; the next is 30 s later
    waits = [rate_limit.reserve(RATE_KEY, 30) for _ in range(2)]
    assert 29 < waits[0] <= 30 and 59 < waits[1] <= 60
    assert len(arxiv_api.seen) == 1


def test_requests_wait_for_their_slot(arxiv_api, settings):
    settings.ARXIV_MIN_INTERVAL = 0.3
    for _ in range(3):
        fetch_paper("2201.12086")
    times = [seen.at for seen in arxiv_api.seen]
    assert times[-1] - times[0] >= 0.5  # two waits of 0.3 s, less the jitter of arrival


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Code at https://github.com/org/repo."], "https://github.com/org/repo"),
        (
            ["", "Models: https://huggingface.co/org/model, data"],
            "https://huggingface.co/org/model",
        ),
        (["See (https://gitlab.com/group/project)"], "https://gitlab.com/group/project"),
        (["https://example.com/code"], ""),
    ],
)
def test_code_links(texts, expected):
    assert find_code_link(*texts) == expected
