"""`manage.py backup DIR` (`make backup`): the database, the uploads and a manifest.

- `database.dump`: `pg_dump -Fc` of the site's database, read from one exported snapshot,
  so it is consistent while the site keeps running;
- `media.tar`: every file under MEDIA_ROOT, archived after the dump (so it holds every
  file the dump refers to), when uploads are on the local disk;
- `manifest.json`: when, which database and server, the migrations applied and the row
  count of every table as of the dump's snapshot, every media file with its size and
  SHA-256, and the size and SHA-256 of the two files above.

`manage.py restore DIR` checks all of it before restoring.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backups import database, manifest, media, postgres


class Command(BaseCommand):
    help = "Back up the database, the uploads and a manifest into a new folder."

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", type=Path, help="A folder that does not exist yet, or is empty."
        )

    def handle(self, *, folder: Path, verbosity, **options):
        if folder.exists() and any(folder.iterdir()):
            raise CommandError(f"{folder} is not empty: back up into a new folder.")
        try:
            tools = postgres.tools_for(postgres.server_major(database.ALIAS))
        except postgres.PostgresToolError as error:
            raise CommandError(str(error)) from error
        folder.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()

        with database.snapshot() as snapshot_id:
            try:
                postgres.run(
                    tools,
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    f"--file={folder / manifest.DUMP}",
                    alias=database.ALIAS,
                )
            except postgres.PostgresToolError as error:
                raise CommandError(str(error)) from error
            about = {
                "created_at": timezone.now().isoformat(),
                "database": {**database.describe(), "pg_dump_version": tools.major},
                "migrations": database.applied_migrations(),
                "row_counts": database.row_counts(),
            }

        root = media.local_root()
        if root is None:
            about["media"] = {"storage": media.storage_name(), "archived": False, "files": []}
        else:
            listed = media.files(root)
            media.archive(root, listed, folder / manifest.MEDIA)
            about["media"] = {"storage": media.storage_name(), "archived": True, "files": listed}
        manifest.write(folder, about)

        if verbosity:
            sizes = {path.name: path.stat().st_size for path in sorted(folder.iterdir())}
            self.stdout.write(
                f"Backed up {about['database']['name']} "
                f"({sum(about['row_counts'].values())} rows) and "
                f"{len(about['media']['files'])} media files into {folder} in "
                f"{time.monotonic() - started:.1f} s: "
                + ", ".join(f"{name} {size} bytes" for name, size in sizes.items())
            )
            if not about["media"]["archived"]:
                self.stdout.write(
                    f"Uploads are in {about['media']['storage']}, not archived: back the "
                    "bucket up by its own means (versioning, replication)."
                )
