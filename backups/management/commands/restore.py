"""`manage.py restore DIR` (`make restore DIR=…`): put a backup made by `backup` back.

Every file is checked against the manifest before anything is touched. The database
(DATABASE_URL) and the media folder must be empty, as on a new machine, unless
`--replace` is given: then everything in the database's public schema and in the media
folder is deleted first. The dump is restored in one transaction (all or nothing), the
media files are unpacked and checked one by one, and the row count of every table is
compared with the manifest. The cache is cleared, so no page of the previous data stays.
"""

import time
from pathlib import Path

from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError

from backups import database, manifest, media, postgres
from operations.health import migrations_on_disk


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and media folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="The backup's folder.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete what the database and the media folder hold before restoring.",
        )

    def handle(self, *, folder: Path, replace: bool, verbosity, **options):
        started = time.monotonic()
        try:
            about = manifest.read_verified(folder)
        except manifest.DamagedBackup as error:
            raise CommandError(str(error)) from error
        try:
            tools = postgres.tools_for(
                max(postgres.server_major(database.ALIAS), about["database"]["pg_dump_version"])
            )
        except postgres.PostgresToolError as error:
            raise CommandError(str(error)) from error

        root = media.local_root() if about["media"]["archived"] else None
        if about["media"]["archived"] and root is None:
            raise CommandError(
                "The backup holds media files but uploads are not on the local disk here "
                f"({media.storage_name()}): restore them on a machine with local media."
            )
        relations = database.relation_count()
        if not replace:
            if relations:
                raise CommandError(
                    f"The database {database.connection_name()} is not empty ({relations} "
                    "tables, views and sequences): restore into an empty database, or pass "
                    "--replace to delete what it holds first."
                )
            if root is not None and not media.is_empty(root):
                raise CommandError(
                    f"The media folder {root} is not empty: restore into an empty folder, "
                    "or pass --replace to delete what it holds first."
                )

        if replace and relations:
            database.empty_public_schema()
        if replace and root is not None and root.exists():
            media.empty(root)
        try:
            postgres.run(
                tools,
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={database.connection_name()}",
                str(folder / manifest.DUMP),
                alias=database.ALIAS,
            )
        except postgres.PostgresToolError as error:
            raise CommandError(str(error)) from error

        if root is not None:
            media.extract(folder / manifest.MEDIA, root)
            wrong = media.mismatches(root, about["media"]["files"])
            if wrong:
                raise CommandError(
                    f"{len(wrong)} media files do not match the manifest: {', '.join(wrong[:10])}"
                )
        counts = database.row_counts()
        different = {
            label: (expected, counts.get(label))
            for label, expected in about["row_counts"].items()
            if counts.get(label) != expected
        }
        if different:
            raise CommandError(f"Row counts differ from the manifest: {different}")
        for cache in caches.all(initialized_only=False):
            cache.clear()

        if verbosity:
            self.stdout.write(
                f"Restored {about['database']['name']} of {about['created_at']} "
                f"({sum(counts.values())} rows, {len(about['media']['files'])} media files) "
                f"into {database.connection_name()} in {time.monotonic() - started:.1f} s."
            )
            applied = {
                (app, name)
                for app, names in database.applied_migrations().items()
                for name in names
            }
            if migrations_on_disk() - applied:
                self.stdout.write(
                    "The code has migrations this backup predates: run `manage.py migrate`."
                )
