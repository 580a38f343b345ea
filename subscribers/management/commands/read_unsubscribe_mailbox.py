"""manage.py read_unsubscribe_mailbox: unsubscribe the people who wrote to the
List-Unsubscribe mailto address (a Maildir or an IMAP folder; see subscribers.mailbox)."""

from django.core.management.base import BaseCommand, CommandError

from subscribers.mailbox import MailboxError, read


class Command(BaseCommand):
    help = (
        "Read the unsubscribe mailbox (SUBSCRIBERS_UNSUBSCRIBE_MAILBOX) once and unsubscribe "
        "whoever each unseen message's token names; --schedule instead queues a task that "
        "reads it every SUBSCRIBERS_UNSUBSCRIBE_MAILBOX_INTERVAL seconds on the workers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox",
            help="maildir:/path, imaps://user:password@host/FOLDER or imap://… "
            "(default: SUBSCRIBERS_UNSUBSCRIBE_MAILBOX)",
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the self-repeating task instead of reading now (run it once).",
        )

    def handle(self, *args, mailbox=None, schedule=False, **options):
        if schedule:
            from subscribers.tasks import read_unsubscribe_mailbox

            result = read_unsubscribe_mailbox.enqueue()
            self.stdout.write(f"Queued the mailbox reader (task {result.id}).")
            return
        try:
            results = read(mailbox)
        except MailboxError as error:
            raise CommandError(str(error)) from error
        total = sum(results.values())
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(results.items())) or "nothing new"
        self.stdout.write(f"Read {total} message(s): {counts}.")
