"""`manage.py backup` then `manage.py restore` into a fresh empty database and media folder
gives the same site: every table's rows, the files byte for byte, the public pages' bytes
as the web server serves them. A restore refuses what is not empty and what is damaged."""

import json
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from backups import database, media
from editorial.models import Event
from tests.backups.conftest import restore_env, url_of
from tests.helpers.servers import WebServer, collect_static, manage, production_env

pytestmark = pytest.mark.django_db(transaction=True)


def rows_of(url: str) -> dict[str, list[tuple]]:
    """Every row of every model's table, in primary-key order, and every sequence's value."""
    with psycopg.connect(url) as conn:
        found = {}
        for label, table in sorted(database.tables().items()):
            found[label] = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()  # noqa: S608
        for (sequence,) in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall():
            found[f"sequence {sequence}"] = conn.execute(
                f'SELECT last_value, is_called FROM "{sequence}"'  # noqa: S608
            ).fetchall()
        return found


def test_a_restored_backup_is_the_same_site(site, tmp_path, empty_database):
    backup = tmp_path / "backup"
    call_command("backup", str(backup), verbosity=0)
    manifest = json.loads((backup / "manifest.json").read_text())
    assert {path.name for path in backup.iterdir()} == {
        "database.dump",
        "media.tar",
        "manifest.json",
    }
    assert manifest["row_counts"]["newsletter.Revision"] == 3
    assert manifest["row_counts"]["editorial.Event"] == Event.objects.count()
    assert manifest["migrations"]["newsletter"]
    original_media = Path(settings.MEDIA_ROOT)
    assert len(manifest["media"]["files"]) == len(media.files(original_media)) >= 4

    restored_media = tmp_path / "restored-media"
    restored_url = url_of(empty_database)
    said = manage(restore_env(restored_url, restored_media), "restore", str(backup))
    assert "Restored" in said

    assert rows_of(restored_url) == rows_of(url_of(connection.settings_dict["NAME"]))
    assert media.files(restored_media) == media.files(original_media) == manifest["media"]["files"]

    static = tmp_path / "static"
    collect_static(static)
    pages = [
        f"/issues/{site.number}-{site.slug}/",
        "/",
        "/issues/",
        "/feed/rss/",
        "/api/issues/",
    ] + [settings.MEDIA_URL + entry["path"] for entry in manifest["media"]["files"][:3]]
    served = {}
    for name, url, root in (
        ("original", url_of(connection.settings_dict["NAME"]), original_media),
        ("restored", restored_url, restored_media),
    ):
        server_env = production_env(url, static, root, DJANGO_SERVE_MEDIA="1")
        server_env["DJANGO_SECRET_KEY"] = "k3Jq9vX2mR8tZpW4nL6yB1cF5hD7gS0aE9uY3iO2pQ8rT6wV4zX1"
        server = WebServer(server_env, tmp_path / f"{name}.log")
        try:
            # One Host for both: feeds and canonical links are absolute.
            answers = [server.get(path, headers={"Host": "127.0.0.1"}) for path in pages]
        finally:
            server.stop()
        statuses = {path: answer.status for path, answer in zip(pages, answers, strict=True)}
        assert set(statuses.values()) == {200}, (statuses, server.log_path.read_text()[-3000:])
        served[name] = [answer.body for answer in answers]
    assert served["restored"] == served["original"]
    assert b"Fine-tuning on a laptop, again" in served["restored"][0]
