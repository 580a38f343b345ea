"""The replica router's rules, and the settings DATABASE_REPLICA_URL makes.

The replica itself, a real streaming standby, is in tests/operations/test_read_replica.py.
"""

from django.contrib.auth import get_user_model

from newsletter.models import Image, Issue, PublicationState, Revision, SearchEntry
from newsletter.reader import replica
from subscribers.models import Subscriber
from tests.helpers.settings_env import settings_from

router = replica.ReplicaRouter()
PUBLIC = [Revision, SearchEntry, Image]
EVERYTHING_ELSE = [Issue, PublicationState, Subscriber, get_user_model()]


def test_inside_a_replica_render_only_the_public_read_model_reads_the_replica():
    token = replica._reads_from.set(replica.REPLICA)
    try:
        assert {router.db_for_read(model) for model in PUBLIC} == {"replica"}
        assert {router.db_for_read(model) for model in EVERYTHING_ELSE} == {"default"}
        assert {router.db_for_write(model) for model in PUBLIC} == {"default"}
    finally:
        replica._reads_from.reset(token)


def test_outside_a_replica_render_everything_reads_the_primary():
    for source in (None, replica.PRIMARY):
        token = replica._reads_from.set(source)
        try:
            assert {router.db_for_read(model) for model in PUBLIC + EVERYTHING_ELSE} == {"default"}
        finally:
            replica._reads_from.reset(token)


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "newsletter") is True
    assert router.allow_migrate("replica", "newsletter") is False


def test_without_a_replica_public_pages_say_nothing_of_one(client, published):
    published(1)
    response = client.get("/")
    assert response.status_code == 200
    assert "X-Read-From" not in response.headers


def _settings(**env) -> dict:
    return settings_from(
        "{'aliases': sorted(settings.DATABASES), 'routers': settings.DATABASE_ROUTERS,"
        " 'replica': settings.DATABASES.get('replica')}",
        **env,
    )


def test_database_replica_url_adds_the_alias_and_the_router():
    found = _settings(
        DATABASE_URL="postgres://app@db.internal:5432/news",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/news",
    )
    assert found["aliases"] == ["default", "replica"]
    assert found["routers"] == ["newsletter.reader.replica.ReplicaRouter"]
    assert found["replica"]["HOST"] == "replica.internal"
    assert found["replica"]["TEST"]["MIRROR"] == "default"
    assert found["replica"]["OPTIONS"]["connect_timeout"] == 5


def test_without_database_replica_url_there_is_one_database_and_no_router():
    found = _settings(DATABASE_URL="postgres://app@db.internal:5432/news")
    assert found["aliases"] == ["default"]
    assert found["routers"] == []
