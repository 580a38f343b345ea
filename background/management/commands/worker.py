"""`manage.py worker` (`make worker`): run background tasks in the foreground until stopped.

SIGTERM or Ctrl-C: the task in hand is asked to stop at its next safe point (a send stops
after the message in hand and re-enqueues the rest), then the worker exits with status 0;
an idle worker exits within its poll interval. A second signal exits at once. SIGKILL loses
at most that message's bookkeeping: see README, "Sending the newsletter".

It runs the worker of whichever backend settings.TASKS names as default: django-tasks-db's
for the database backend, RQ's for the Redis one.
"""

import logging
import signal

from django.core.management.base import BaseCommand, CommandError
from django.tasks import task_backends
from django.utils.crypto import get_random_string

from background import stopping
from background.signals import worker_ready

logger = logging.getLogger("background")


class Command(BaseCommand):
    help = "Run a background worker in the foreground (SIGTERM stops it after the work in hand)."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default", help="Queues, comma-separated.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls.")
        parser.add_argument("--worker-id", default="", help="Unique across the pool.")
        parser.add_argument(
            "--batch", action="store_true", help="Run what is ready, then exit (database only)."
        )

    def handle(self, *, queue_name, interval, worker_id, batch, verbosity, **options):
        stopping.reset()  # before any handler can set it: a signal from now on is kept
        backend = task_backends["default"]
        worker_id = worker_id or get_random_string(20)
        kind = type(backend).__module__
        if kind.startswith("django_tasks_db"):
            self._run_database(queue_name, interval, worker_id, batch, verbosity)
        elif kind.startswith("django_tasks_rq"):
            self._run_rq(queue_name, worker_id)
        else:
            raise CommandError(
                f"The default task backend ({type(backend).__name__}) has no worker: tasks run "
                "where they are enqueued. Set TASKS_BACKEND=database or rq."
            )

    def _announce(self, worker_id: str) -> None:
        worker_ready.send(sender=self.__class__, worker_id=worker_id)

    def _run_database(self, queue_name, interval, worker_id, batch, verbosity):
        from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
        from django_tasks_db.management.commands.db_worker import Worker

        class StoppableWorker(Worker):
            def shutdown(self, signum, frame):
                # django-tasks-db's handler exits at once (SystemExit) when no task is in
                # hand, wherever the signal lands: in the middle of the claim's COMMIT it
                # left the connection busy, and the worker died with a traceback and exit
                # status 1. The first signal only ends the loop: the worker finishes what
                # it is doing (at most its poll interval's sleep, or the task in hand, which
                # sees the stop flag) and exits 0. A second signal still exits at once.
                stopping.request()
                if not self.running:
                    super().shutdown(signum, frame)
                logger.warning(
                    "Received %s: stopping after the work in hand (again to stop at once)",
                    signal.strsignal(signum),
                )
                self.running = False

        DBWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(verbosity)
        worker = StoppableWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self._announce(worker_id)
        logger.info("Worker %s ready (database backend)", worker_id)
        worker.run()

    def _run_rq(self, queue_name, worker_id):
        import django_rq
        from django_tasks_rq import Job
        from rq import SimpleWorker

        queues = [django_rq.get_queue(name, job_class=Job) for name in queue_name.split(",")]

        class StoppableWorker(SimpleWorker):
            # SimpleWorker runs jobs in this process (no fork per job), so the task sees the
            # stop flag and keeps its database connection from one job to the next.
            def request_stop(self, signum, frame):
                stopping.request()
                super().request_stop(signum, frame)

        worker = StoppableWorker(
            queues, connection=queues[0].connection, name=worker_id, job_class=Job
        )
        self._announce(worker_id)
        logger.info("Worker %s ready (RQ backend)", worker_id)
        # The scheduler moves deferred tasks (a scheduled go-live, a retry) onto the queue.
        worker.work(with_scheduler=True)
