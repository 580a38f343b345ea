"""Two app servers against one database and one Redis: what one publishes, the other serves
on its very next request.

Two real web servers share the site's PostgreSQL and a real redis-server
(REDIS_URL): the whole-response cache is shared, and its key holds the publication state
the database bumps in the transaction of every publish, so no process can serve bytes
stored before it.
"""

from tests.helpers.redis_server import redis_server
from tests.helpers.servers import manage

_PUBLISH = """
from django.contrib.auth import get_user_model
from demo.management.commands.generate_bench_data import create_bench_issue, demo_pictures
from demo.publication import walk_to_publication
from newsletter.models import Issue

users = {u.username: u for u in get_user_model().objects.filter(
    username__in=("editor", "reviewer", "publisher"))}
issue = create_bench_issue(
    990_001, Issue.next_number(), by=users["editor"], pictures=demo_pictures())
revision = walk_to_publication(
    issue, editor=users["editor"], reviewer=users["reviewer"], publisher=users["publisher"])
print(revision.title)
print(revision.get_absolute_url())
"""


def publish_an_issue(site, index: int = 990_001) -> tuple[str, str]:
    """Publish a new issue (bench issue `index`) through the workflow (perform), from a
    process of its own."""
    script = _PUBLISH.replace("990_001", str(index))
    title, url = manage(site.setup_env, "shell", "-c", script).strip().splitlines()[-2:]
    return title, url


# Behind a load balancer both servers are asked for the site's one public host (the cache
# key holds the URL as asked, host included).
SITE = {"Host": "127.0.0.1"}


def get(server, path):
    return server.get(path, headers=SITE)


def test_two_app_servers_on_one_database_what_one_publishes_the_other_serves_at_once(site):
    with redis_server() as redis_url:
        one = site.web_server("app-one", REDIS_URL=redis_url)
        two = site.web_server("app-two", REDIS_URL=redis_url)
        try:
            # Warm the cache on both: the second server is answered from what the first stored.
            first = get(one, "/")
            assert first.status == 200
            assert first.headers["X-Cache"] == "miss"
            for server in (two, one, two):
                warm = get(server, "/")
                assert warm.headers["X-Cache"] == "hit"
                assert warm.body == first.body

            title, url = publish_an_issue(site)
            assert title not in first.text

            # The other server's very next request shows it, and so does the first's.
            after = get(two, "/")
            assert after.status == 200
            assert after.headers["X-Cache"] == "miss"
            assert title in after.text
            again = get(one, "/")
            assert again.headers["X-Cache"] == "hit"
            assert again.body == after.body
            page = get(one, url)
            assert page.status == 200
            assert title in page.text
            assert get(two, url).headers["X-Cache"] == "hit"
        finally:
            one.stop()
            two.stop()
