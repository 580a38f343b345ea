import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers.local_server import LocalServer, Response


@pytest.fixture(autouse=True)
def tasks_in_process(settings):
    """Fetches and checks run in the request that enqueues them; the worker is tested elsewhere."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def local_fetching(settings):
    """Let the fetcher reach 127.0.0.1 (the local servers) and nothing else non-public."""
    settings.CURATION_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    return settings


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


RECORDINGS = Path(__file__).parent / "recordings" / "arxiv"


def arxiv_answer(path: str) -> Response:
    """arXiv's API as recorded: the paper named by id_list, else its empty feed."""
    query = parse_qs(urlsplit(path).query)
    arxiv_id = query.get("id_list", [""])[0]
    bare = re.sub(r"v\d+$", "", arxiv_id)
    recording = RECORDINGS / (bare.replace("/", "_") + ".xml")
    if not recording.exists():
        recording = RECORDINGS / "not_found.xml"
    return Response(
        200, recording.read_bytes(), headers={"Content-Type": "application/atom+xml; charset=utf-8"}
    )


@pytest.fixture
def arxiv_api(local_fetching):
    """A local arXiv API serving recorded answers; no wait between requests in tests."""
    with LocalServer({"/api/query": arxiv_answer}) as running:
        local_fetching.ARXIV_API_URL = running.url("/api/query")
        local_fetching.ARXIV_MIN_INTERVAL = 0
        yield running
