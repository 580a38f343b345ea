"""The safe fetcher against real local servers: what it fetches, and every refusal."""

import pytest

from curation.fetcher import FetchFailed, FetchRefused, fetch
from tests.curation import resolvers
from tests.helpers.local_server import LocalServer, Response


@pytest.fixture
def table(settings):
    settings.CURATION_RESOLVER = "tests.curation.resolvers.table_resolver"
    resolvers.TABLE.clear()
    resolvers.LOOKUPS.clear()
    return resolvers.TABLE


def test_a_page_on_an_allowed_address_is_fetched_with_a_clear_user_agent(local_fetching, server):
    server.routes["/page"] = Response(200, "<title>Hi</title>")
    fetched = fetch(server.url("/page"))
    assert fetched.status == 200
    assert fetched.body == b"<title>Hi</title>"
    agent = server.seen[0].headers["User-Agent"]
    assert agent == local_fetching.CURATION_USER_AGENT
    assert "LinkFetcher" in agent and "http" in agent


def test_loopback_is_refused_when_not_allowed_and_nothing_is_sent(settings, server):
    settings.CURATION_FETCH_ALLOWED_NETWORKS = []
    server.routes["/page"] = Response(200, "secret")
    with pytest.raises(FetchRefused, match=r"loopback address \(127\.0\.0\.1\)"):
        fetch(server.url("/page"))
    assert server.seen == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://10.1.2.3/", "private"),
        ("http://10.255.255.254:8080/x", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd00::1]/", "private"),
        ("http://100.64.0.1/", "non-public"),
        ("http://0.0.0.0/", "private"),
        ("http://127.0.0.2/", "loopback"),
    ],
)
def test_non_public_addresses_are_refused_even_with_the_tests_allowance(local_fetching, url, kind):
    with pytest.raises(FetchRefused, match=f"a {kind} address"):
        fetch(url)


def test_ipv6_loopback_server_is_refused_before_any_connection(settings):
    settings.CURATION_FETCH_ALLOWED_NETWORKS = []
    try:
        server = LocalServer({"/": Response(200, "v6")}, host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with server:
        with pytest.raises(FetchRefused, match="loopback"):
            fetch(f"http://[::1]:{server.port}/")
        assert server.seen == []


@pytest.mark.parametrize("url", ["ftp://example.com/file", "file:///etc/passwd", "gopher://x/"])
def test_schemes_other_than_http_and_https_are_refused(url):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch(url)


@pytest.mark.parametrize(
    "target", ["http://10.0.0.7/admin", "http://169.254.169.254/", "http://127.0.0.2:{port}/"]
)
def test_a_redirect_to_a_private_address_is_refused(local_fetching, server, target):
    server.routes["/go"] = Response(302, headers={"Location": target.format(port=server.port)})
    with pytest.raises(FetchRefused, match="Not fetched"):
        fetch(server.url("/go"))
    assert [seen.path for seen in server.seen] == ["/go"]


def test_redirects_are_followed_and_recorded(local_fetching, server):
    server.routes["/old"] = Response(301, headers={"Location": "/new?x=1"})
    server.routes["/new"] = Response(302, headers={"Location": server.url("/final")})
    server.routes["/final"] = Response(200, "here")
    fetched = fetch(server.url("/old"))
    assert fetched.final_url == server.url("/final")
    assert fetched.redirects == (server.url("/new?x=1"), server.url("/final"))
    assert fetched.body == b"here"


def test_too_many_redirects_fail(local_fetching, server):
    local_fetching.CURATION_FETCH_MAX_REDIRECTS = 2
    server.routes["/loop"] = Response(302, headers={"Location": "/loop"})
    with pytest.raises(FetchFailed, match="more than 2 redirects"):
        fetch(server.url("/loop"))
    assert len(server.seen) == 3


def test_localhost_resolved_by_the_system_is_refused(settings, server):
    settings.CURATION_FETCH_ALLOWED_NETWORKS = []
    with pytest.raises(FetchRefused, match="loopback"):
        fetch(f"http://localhost:{server.port}/")
    assert server.seen == []


def test_a_name_resolving_to_a_private_address_is_refused(local_fetching, table):
    table["intranet.example.com"] = [["10.20.30.40"]]
    with pytest.raises(FetchRefused, match=r"intranet\.example\.com .*private address"):
        fetch("https://intranet.example.com/")


def test_a_name_with_one_private_address_among_public_ones_is_refused(local_fetching, table):
    table["mixed.example.com"] = [["93.184.215.14", "192.168.1.1"]]
    with pytest.raises(FetchRefused, match="192.168.1.1"):
        fetch("http://mixed.example.com/")


def test_the_connection_goes_to_the_address_that_was_checked(local_fetching, server, table):
    """A second lookup could answer with a private address (DNS rebinding): there is none."""
    table["rebind.example.com"] = [["127.0.0.1"], ["10.0.0.1"]]
    server.routes["/"] = Response(200, "checked")
    fetched = fetch(f"http://rebind.example.com:{server.port}/")
    assert fetched.body == b"checked"
    assert resolvers.LOOKUPS == ["rebind.example.com"]
    assert server.seen[0].headers["Host"] == f"rebind.example.com:{server.port}"


def test_each_redirect_hop_is_resolved_and_checked_again(local_fetching, server, table):
    table["public.example.com"] = [["127.0.0.1"]]
    table["sneaky.example.com"] = [["169.254.169.254"]]
    server.routes["/"] = Response(302, headers={"Location": "http://sneaky.example.com/"})
    with pytest.raises(FetchRefused, match="link-local"):
        fetch(f"http://public.example.com:{server.port}/")
    assert resolvers.LOOKUPS == ["public.example.com", "sneaky.example.com"]


def test_a_body_over_the_size_limit_fails(local_fetching, server):
    local_fetching.CURATION_FETCH_MAX_BYTES = 1000
    server.routes["/big"] = Response(200, "x" * 5000)
    with pytest.raises(FetchFailed, match="larger than 1,000 bytes"):
        fetch(server.url("/big"))


def test_a_body_without_length_over_the_limit_fails_too(local_fetching, server):
    local_fetching.CURATION_FETCH_MAX_BYTES = 1000
    server.routes["/big"] = Response(200, "x" * 5000, headers={"Content-Length": "10"})
    fetched = fetch(server.url("/big"))  # the server lied: only what it declared is read
    assert len(fetched.body) == 10


def test_truncate_keeps_the_start_of_a_large_page(local_fetching, server):
    local_fetching.CURATION_FETCH_MAX_BYTES = 1000
    server.routes["/big"] = Response(200, "<title>T</title>" + "x" * 5000)
    fetched = fetch(server.url("/big"), truncate=True)
    assert fetched.truncated and len(fetched.body) == 1000
    assert fetched.body.startswith(b"<title>T</title>")


def test_a_slow_server_fails_at_the_time_limit(local_fetching, server):
    server.routes["/slow"] = Response(200, "late", delay=3)
    with pytest.raises(FetchFailed, match="no answer within 0.5 seconds"):
        fetch(server.url("/slow"), timeout=0.5)


def test_an_http_error_is_returned_not_raised(local_fetching, server):
    fetched = fetch(server.url("/missing"))
    assert fetched.status == 404 and not fetched.ok


def test_a_closed_port_fails_clearly(local_fetching):
    with LocalServer() as gone:
        port = gone.port
    with pytest.raises(FetchFailed, match="could not be reached"):
        fetch(f"http://127.0.0.1:{port}/")
