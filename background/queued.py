"""What a task backend holds queued: the runs of a task that wait for a worker.

Work a starting worker puts back on the queue (`background.signals.worker_ready`) asks
this first, so that each worker's start does not queue again what still waits. A run a
worker has taken is not queued any more: one that a killed worker left running is put
back like any other lost run.
"""

from django.tasks import Task, TaskResultStatus, task_backends


def queued_arguments(task: Task) -> list[list]:
    """The positional arguments of every run of `task` waiting in its backend, deferred
    ones (a retry's) included; none with a backend that keeps no queue (immediate)."""
    backend = task_backends[task.backend]
    kind = type(backend).__module__
    if kind.startswith("django_tasks_db"):
        return _database_queued(task, backend.alias)
    if kind.startswith("django_tasks_rq"):
        return _rq_queued(task)
    return []


def _database_queued(task: Task, alias: str) -> list[list]:
    # django-tasks-db keeps a row a run, READY until a worker claims it.
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=task.module_path,
        backend_name=alias,
        queue_name=task.queue_name,
    )
    return [args_kwargs["args"] for args_kwargs in queued.values_list("args_kwargs", flat=True)]


def _rq_queued(task: Task) -> list[list]:
    # django-tasks-rq keeps a job a run: on the queue's list, or in its scheduled registry
    # until RQ's scheduler moves it there.
    import django_rq
    from django_tasks_rq import Job

    queue = django_rq.get_queue(task.queue_name, job_class=Job)
    ids = [*queue.get_job_ids(), *queue.scheduled_job_registry.get_job_ids()]
    jobs = Job.fetch_many(ids, connection=queue.connection, serializer=queue.serializer)
    return [list(job.args) for job in jobs if job is not None and job.func_name == task.module_path]
