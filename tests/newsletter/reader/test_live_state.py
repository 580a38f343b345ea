"""The publication state a process keeps, told of changes by PostgreSQL (LISTEN/NOTIFY).

These tests commit (transactional_db): PostgreSQL notifies listeners only when the
bumping transaction commits. `StateWatch` is driven step by step here, so every moment
between a commit and the listener reading its notification can be looked at; the last
tests run its thread, as a web process does.
"""

import select
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from newsletter.models import PublicationListener, Revision
from newsletter.models.publication import current_state
from newsletter.reader import live_state
from newsletter.reader.live_state import StateWatch
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db(transaction=True)


def notification_arrives(watch: StateWatch, timeout: float = 5) -> bool:
    readable, _, _ = select.select([watch._fd], [], [], timeout)
    return bool(readable)


def drain(watch: StateWatch) -> None:
    """Read notifications until none has come for a while: a publish is several commits
    (submit indexes the revision for search, then approve, then publish or schedule), and
    the later ones' notifications may still be on their way when the first is read."""
    watch.step(timeout=0)
    while notification_arrives(watch, timeout=0.3):
        watch.step(timeout=0)


@pytest.fixture
def watch():
    watch = StateWatch()
    watch.connect()
    yield watch
    watch.stop()


def test_the_state_it_keeps_is_the_state_a_query_reads(watch, make_issue):
    publish(make_issue(number=1))
    assert notification_arrives(watch)
    drain(watch)
    now = timezone.now()
    assert watch.known(now) == current_state(now)
    assert watch.known(now).generation > 0


def test_after_a_commit_the_old_state_is_never_answered_once_the_notification_is_here(
    watch, make_issue
):
    before = watch.known(timezone.now())
    assert before is not None

    revision = publish(make_issue(number=2))

    # From the moment the notification is on the socket, the old state is not answered...
    assert notification_arrives(watch)
    assert watch.known(timezone.now()) is None
    # ...and once the listener has read it (and those of the publish's other commits), the
    # new one is.
    drain(watch)
    after = watch.known(timezone.now())
    assert after is not None
    assert after.generation > before.generation
    assert after == current_state(timezone.now())
    assert revision.issue_number == 2


def test_a_rolled_back_change_sends_nothing_and_the_state_stands(watch, make_issue):
    issue = make_issue(number=3)
    watch.step(timeout=0.5)  # whatever make_issue notified (nothing: it schedules nothing)
    watch.step(timeout=0)
    kept = watch.known(timezone.now())

    with pytest.raises(RuntimeError), transaction.atomic():
        publish(issue)
        raise RuntimeError("the publish is rolled back")

    assert not notification_arrives(watch, timeout=0.5)
    assert watch.known(timezone.now()) == kept
    assert Revision.objects.live().count() == 0


def test_it_is_not_trusted_past_the_next_scheduled_boundary(watch, make_issue):
    revision = publish(make_issue(number=4), at=timezone.now() + timedelta(hours=1))
    go_live = revision.go_live_at  # to the second, as scheduling stores it
    assert notification_arrives(watch)
    drain(watch)

    state = watch.known(timezone.now())
    assert state is not None
    assert state.next_boundary == go_live
    # At the boundary's second the state would change with no write: no answer then.
    assert watch.known(go_live) is None
    assert watch.known(go_live - timedelta(microseconds=1)) == state
    # The thread wakes for the boundary instead of its heartbeat when it comes first.
    assert watch._wait_for() <= live_state.HEARTBEAT


def test_it_is_not_trusted_when_its_confirmation_is_old(watch):
    assert watch.known(timezone.now()) is not None
    watch._confirmed_at -= live_state.CONFIRM_WITHIN + 1  # the thread stopped confirming
    assert watch.known(timezone.now()) is None
    watch.step(timeout=0)
    assert watch.known(timezone.now()) is not None


def _terminate_listeners() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [live_state.APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


def test_a_lost_connection_is_noticed_before_any_request_trusts_the_state(watch):
    assert watch.known(timezone.now()) is not None
    assert _terminate_listeners() == 1

    assert notification_arrives(watch)  # the server hanging up makes the socket readable
    assert watch.known(timezone.now()) is None
    with pytest.raises(Exception):  # noqa: B017 - psycopg's error for a closed connection
        watch.step(timeout=0)
    assert watch.known(timezone.now()) is None

    watch.connect()
    assert watch.known(timezone.now()) == current_state(timezone.now())


def _until(predicate, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("not within the time allowed")


def test_its_thread_follows_publishes_and_comes_back_after_losing_its_connection(make_issue):
    watch = StateWatch()
    watch.start()
    try:
        _until(lambda: watch.known(timezone.now()))
        publish(make_issue(number=5))
        after = current_state(timezone.now())
        _until(lambda: watch.known(timezone.now()) == after)

        assert _terminate_listeners() == 1
        _until(lambda: watch.known(timezone.now()) is None, timeout=2)
        # It reconnects on its own, and what it then knows is current.
        publish(make_issue(number=6))
        latest = current_state(timezone.now())
        assert _until(lambda: watch.known(timezone.now())) == latest
    finally:
        watch.stop()
    assert watch.known(timezone.now()) is None


@pytest.fixture
def listening(settings):
    settings.PUBLIC_STATE_LISTEN = True
    yield
    live_state.stop()  # before the test database is flushed, and later dropped


def test_a_cache_hit_costs_no_query_while_the_listener_knows_the_state(
    client, listening, make_issue, django_assert_num_queries
):
    revision = publish(make_issue(number=7))
    url = revision.get_absolute_url()
    assert client.get(url).headers["X-Cache"] == "miss"
    watch = live_state.watch()
    _until(lambda: watch.known(timezone.now()) == current_state(timezone.now()))

    with django_assert_num_queries(0):
        hit = client.get(url)
    assert hit.status_code == 200
    assert hit.headers["X-Cache"] == "hit"

    # A publish returns once this process's listener has taken it in (live_state.settle,
    # after the transition's commit): the very next request shows it, with no query for
    # the state.
    newer = publish(make_issue(number=8, title="A newer issue"))
    assert watch.known(timezone.now()) == current_state(timezone.now())
    home = client.get("/")
    assert home.headers["X-Cache"] == "miss"
    assert newer.title in home.text


def _listener_rows() -> dict[str, int]:
    return dict(PublicationListener.objects.values_list("name", "generation"))


def test_a_listener_records_the_generation_it_has_taken_in_and_leaves_when_stopped(
    watch, make_issue
):
    assert _listener_rows() == {watch.name: current_state(timezone.now()).generation}
    publish(make_issue(number=10))
    assert notification_arrives(watch)
    drain(watch)
    assert _listener_rows() == {watch.name: current_state(timezone.now()).generation}
    watch.stop()
    assert _listener_rows() == {}


def test_settling_waits_for_a_listener_that_is_behind_and_gives_up_after_its_timeout(
    settings, caplog
):
    settings.PUBLIC_STATE_LISTEN = True
    generation = current_state(timezone.now()).generation
    PublicationListener.objects.create(
        name="web-1:4242:behind", generation=generation - 1, seen_at=timezone.now()
    )
    PublicationListener.objects.create(
        name="web-1:4343:gone",
        generation=generation - 1,
        seen_at=timezone.now() - timedelta(seconds=live_state.LISTENING_WITHIN + 1),
    )
    PublicationListener.objects.create(
        name="web-2:77:current", generation=generation, seen_at=timezone.now()
    )

    started = time.monotonic()
    assert live_state.settle(timeout=0.2) is False
    assert time.monotonic() - started >= 0.2
    # Named in the log; the one not heard from lately is not waited for.
    assert "web-1:4242:behind" in caplog.text
    assert "web-1:4343:gone" not in caplog.text

    PublicationListener.objects.filter(name="web-1:4242:behind").update(generation=generation)
    assert live_state.settle(timeout=0.2) is True


def test_settling_is_not_done_inside_a_transaction_or_with_listening_off(settings):
    generation = current_state(timezone.now()).generation
    PublicationListener.objects.create(
        name="web-1:1:behind", generation=generation - 1, seen_at=timezone.now()
    )
    settings.PUBLIC_STATE_LISTEN = True
    with transaction.atomic():  # nothing committed yet: nothing for anyone to take in
        assert live_state.settle(timeout=5) is True
    settings.PUBLIC_STATE_LISTEN = False
    assert live_state.settle(timeout=5) is True


def test_with_listening_off_every_request_reads_the_state(
    client, settings, make_issue, django_assert_num_queries
):
    settings.PUBLIC_STATE_LISTEN = False
    url = publish(make_issue(number=9)).get_absolute_url()
    client.get(url)
    with django_assert_num_queries(1):
        assert client.get(url).headers["X-Cache"] == "hit"
