"""Shared fixtures: a small realistic issue, users in each role, media in a temp folder."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS, ensure_groups
from newsletter.models import Issue, Item, Paper, Section
from newsletter.reader import admission
from tests.helpers.reader import make_image
from tests.helpers.workflow import publish


@pytest.fixture(autouse=True)
def empty_cache():
    # Rendered revisions are cached by id; each test starts from a cold cache, and with no
    # address asked before (newsletter/reader/admission.py).
    cache.clear()
    admission.doorkeeper.clear()


@pytest.fixture(autouse=True)
def state_read_per_request(settings):
    # A test's writes are never committed (the test's transaction is rolled back), so
    # PostgreSQL never notifies a listener: in-process requests read the publication state
    # with a query. Servers the tests start in processes of their own listen, as in
    # production; tests/newsletter/reader/test_live_state.py turns it on where it commits.
    settings.PUBLIC_STATE_LISTEN = False


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Production hashing is deliberately slow; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _user(django_user_model, username, group=None, **extra):
    user = django_user_model.objects.create_user(
        username=username, password="correct horse battery", is_staff=True, **extra
    )
    if group:
        ensure_groups()  # transactional tests flush the groups the migration made
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db, django_user_model):
    return _user(django_user_model, "eddie", EDITORS)


@pytest.fixture
def reviewer(db, django_user_model):
    return _user(django_user_model, "rita", REVIEWERS)


@pytest.fixture
def publisher(db, django_user_model):
    return _user(django_user_model, "paul", PUBLISHERS)


@pytest.fixture
def make_issue(db):
    """Build a small issue: two sections, two items and a paper."""

    def make(number=1, title="Small models, big ideas", **fields):
        issue = Issue.objects.create(
            number=number,
            title=title,
            slug=fields.pop("slug", f"issue-{number}"),
            summary=fields.pop("summary", "A month of **compact** models."),
            **fields,
        )
        work = Section.objects.create(issue=issue, title="My work", position=0)
        papers = Section.objects.create(issue=issue, title="Papers & research", position=1)
        Item.objects.create(
            section=work,
            title="Fine-tuning on a laptop",
            url="https://example.com/laptop",
            source="Example blog",
            body="What I learned fitting a model in *8 GB*.",
            position=0,
        )
        Item.objects.create(
            section=work, title="A tiny eval harness", body="Notes on evals.", position=1
        )
        Paper.objects.create(
            section=papers,
            title="Attention Is All You Need",
            authors="Ashish Vaswani, Noam Shazeer, Niki Parmar, et al.",
            arxiv_id="1706.03762",
            paper_url="https://arxiv.org/abs/1706.03762",
            summary="The transformer paper; everything since builds on it.",
            position=0,
        )
        return issue

    return make


@pytest.fixture
def published(make_issue):
    """Create an issue with `make_issue(**fields)` and publish it now (or schedule it at `at`)."""

    def make(number=1, *, at=None, **fields):
        issue = make_issue(number=number, **fields)
        publish(issue, at=at)
        return issue

    return make


@pytest.fixture
def illustrated(make_issue):
    """An issue with a hero picture, a pictured item, and relative links in its markdown."""

    def make(number=1, *, at=None):
        issue = make_issue(
            number=number,
            summary="Read [the previous issue](/issues/) first.",
            hero_image=make_image(f"hero-{number}"),
        )
        item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
        item.image = make_image(f"laptop-{number}", width=800, height=600)
        item.body = "See [the archive](/issues/) and ![a chart](/media/images/chart.png)."
        item.save()
        publish(issue, at=at)
        return issue

    return make


@pytest.fixture
def rq_backend(settings):
    """TASKS_BACKEND=rq on a real redis-server: this process enqueues on it, and the returned
    environment points worker processes at it."""
    from tests.helpers.redis_server import redis_server

    with redis_server() as url:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq", "django_tasks_rq"]
        settings.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": -1}}
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
        }
        try:
            yield {"TASKS_BACKEND": "rq", "TASKS_REDIS_URL": url}
        finally:
            # Installing django_rq registered its dashboard with the admin site; once the app is
            # gone again, a registration left behind breaks every admin index in this process.
            from django.contrib import admin

            for model in [m for m in admin.site._registry if m._meta.app_label == "django_rq"]:
                admin.site.unregister(model)


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run where they are enqueued: for tests of what is sent, not of the worker."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
