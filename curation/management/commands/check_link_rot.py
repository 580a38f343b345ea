"""Recheck the links of live issues (see curation.linkrot); for cron, or to start the
self-rescheduling task once with --enqueue."""

from django.core.management.base import BaseCommand

from curation.linkrot import run
from curation.tasks import recheck_live_links


class Command(BaseCommand):
    help = "Recheck the links of live issues and suggest archived copies of those that fail."

    def add_arguments(self, parser):
        parser.add_argument("--budget", type=float, help="Seconds this run may take.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the background task instead (it queues its next run itself).",
        )

    def handle(self, *args, budget=None, enqueue=False, **options):
        if enqueue:
            result = recheck_live_links.enqueue()
            self.stdout.write(f"Queued the link-rot task ({result.id}).")
            return
        report = run(budget=budget)
        self.stdout.write(str(report))
        for url in report.failed_urls:
            self.stdout.write(f"  failing: {url}")
