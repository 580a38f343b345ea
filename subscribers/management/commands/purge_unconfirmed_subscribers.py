from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from subscribers.erasure import purge_unconfirmed


class Command(BaseCommand):
    help = "Erase people who asked to subscribe but never confirmed, after --days (30)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days, **options):
        if days < 1:
            self.stderr.write("--days must be at least 1.")
            return
        count = purge_unconfirmed(older_than=timezone.now() - timedelta(days=days))
        self.stdout.write(f"Erased {count} unconfirmed subscriber{'s' if count != 1 else ''}.")
