"""Stop the embedded PostgreSQL under var/ (used by `make clean-db`)."""

import os

from django.core.management.base import BaseCommand

from config import embedded_db


class Command(BaseCommand):
    help = "Stop the embedded development PostgreSQL, if it is running."

    # Settings start the embedded server on import; checks would only open a connection.
    requires_system_checks = []

    def handle(self, *args, **options):
        if os.environ.get("DATABASE_URL"):
            self.stdout.write(
                "DATABASE_URL is set: this installation uses an external PostgreSQL, "
                "so there is no embedded server to stop."
            )
            return
        # Loading the settings has started the server if it was down; stop it either way.
        embedded_db.stop()
        if (embedded_db.PGDATA / "postmaster.pid").exists():
            self.stderr.write(f"Could not stop the embedded PostgreSQL in {embedded_db.PGDATA}.")
        else:
            self.stdout.write(f"Stopped the embedded PostgreSQL in {embedded_db.PGDATA}.")
