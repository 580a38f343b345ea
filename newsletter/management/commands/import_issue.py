"""`manage.py import_issue FILE.md [--number N] [--user NAME]`: a draft issue from markdown.

The conventions are in `newsletter.content.importer` and in README ("Importing an issue
written in markdown"). Nothing is saved unless the whole file imports.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from newsletter.content import importer
from newsletter.reader.addresses import site_url


class Command(BaseCommand):
    help = (
        "Create a draft issue, with its sections, items and papers, from a markdown file "
        f"(UTF-8, at most {importer.MAX_TEXT})."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.md", help="The issue, written in markdown.")
        parser.add_argument(
            "--number",
            type=int,
            metavar="N",
            help="The issue number (default: the next free one).",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Record this user as the issue's creator (default: nobody).",
        )

    def handle(self, *args, file, number, user, **options):
        by = None
        if user:
            by = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: user}).first()
            if by is None:
                raise CommandError(f"There is no user called “{user}”.")
        path = Path(file)
        try:
            parsed = importer.parse_issue(importer.decode(self.read(path), what=str(path)))
            issue = importer.create_issue(parsed, by=by, number=number)
        except importer.IssueImportError as error:
            problems = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(f"Nothing was imported from {path}:\n{problems}") from None

        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"Imported issue #{issue.number} “{issue.title}” as a draft "
                f"({importer.counted(len(parsed.sections), 'section')}, "
                f"{importer.counted(parsed.item_count, 'item')}, "
                f"{importer.counted(parsed.paper_count, 'paper')})."
            )
        )
        for line in importer.outline(parsed):
            write(f"  {line}")
        if parsed.pictures:
            write("Pictures whose files are elsewhere (upload them and drop them in):")
            for picture in parsed.pictures:
                write(f"  {picture.src} in {picture.where}")
        for warning in parsed.warnings:
            write(self.style.WARNING(f"Note: {warning}"))
        write(f"Edit it at {site_url(reverse('admin:newsletter_issue_change', args=(issue.pk,)))}")

    def read(self, path: Path) -> bytes:
        """The file's bytes, refusing what cannot be an issue before reading all of it."""
        try:
            if path.is_dir():
                raise CommandError(f"{path} is a folder: give the markdown file of one issue.")
            with path.open("rb") as handle:
                data = handle.read(importer.MAX_BYTES + 1)
                if len(data) > importer.MAX_BYTES:
                    raise importer.too_big(path.stat().st_size, str(path))
                return data
        except FileNotFoundError:
            raise CommandError(f"There is no file {path}.") from None
        except OSError as error:
            raise CommandError(f"Could not read {path}: {error.strerror}.") from None
