"""A second, empty database on the tests' server to restore into, and a site to back up."""

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from editorial.models import Event
from editorial.roles import EDITORS
from newsletter.content import images
from newsletter.models import Issue, Item, Revision
from tests.helpers.images import image_bytes, noise
from tests.helpers.workflow import publish, role_user


def url_of(name: str) -> str:
    """A DATABASE_URL for database `name` on the server the tests use."""
    params = connection.settings_dict
    user = quote(params["USER"] or "", safe="")
    password = quote(params["PASSWORD"] or "", safe="")
    host = params["HOST"] or ""
    port = f":{params['PORT']}" if params["PORT"] else ""
    socket = params.get("OPTIONS", {}).get("host")
    query = f"?host={quote(socket, safe='')}" if socket and not host else ""
    return f"postgresql://{user}:{password}@{host}{port}/{name}{query}"


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore_env(database_url: str, media_root: Path) -> dict:
    """The environment of a manage.py command on database `database_url`, uploads in
    `media_root`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env.update(DATABASE_URL=database_url, DJANGO_MEDIA_ROOT=str(media_root))
    return env


def picture(seed: int, *, by, size=(1200, 800)):
    data = image_bytes("JPEG", image=noise(size, seed=seed), quality=85)
    return images.ingest(
        ContentFile(data, name=f"photo-{seed}.jpg"), alt_text=f"Photo {seed}", uploaded_by=by
    )


@pytest.fixture
def site(make_issue):
    """A published issue with pictures, corrected twice through the workflow."""
    editor = role_user("wf-editor", EDITORS)
    issue = make_issue(number=7, title="Pictures of models")
    issue.hero_image = picture(1, by=editor)
    issue.save()
    item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
    item.image = picture(2, by=editor, size=(640, 480))
    item.save()
    publish(issue)
    for correction in ("Fine-tuning on a laptop, revisited", "Fine-tuning on a laptop, again"):
        Item.objects.filter(pk=item.pk).update(title=correction)
        publish(Issue.objects.get(pk=issue.pk))
    assert Revision.objects.filter(issue=issue).count() == 3
    assert Event.objects.filter(issue=issue).count() >= 9
    return Issue.objects.get(pk=issue.pk)
