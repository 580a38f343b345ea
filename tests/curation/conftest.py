import pytest

from tests.helpers.local_server import LocalServer


@pytest.fixture
def local_fetching(settings):
    """Let the fetcher reach 127.0.0.1 (the local servers) and nothing else non-public."""
    settings.CURATION_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    return settings


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running
