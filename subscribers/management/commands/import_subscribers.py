from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from subscribers.importing import ImportRefused, decode, import_subscribers


class Command(BaseCommand):
    help = (
        "Import subscribers from a CSV file: one address a line, optionally email,name. "
        "They are confirmed, with --source as their consent record; suppressed addresses "
        "and malformed lines are skipped and reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8)")
        parser.add_argument(
            "--source",
            required=True,
            help='where these people agreed to receive the newsletter, e.g. "Conference '
            'sign-up sheet, May 2026"',
        )

    def handle(self, *args, file, source, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        try:
            report = import_subscribers(decode(data), source=source)
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        for line, email in report.suppressed:
            self.stderr.write(f"line {line}: {email} is on the suppression list; skipped")
        for line, why in report.errors:
            self.stderr.write(f"line {line}: {why}; skipped")
        self.stdout.write(report.summary())
