"""Background work on Django's Tasks framework (`django.tasks`): the worker and its stop flag.

Tasks are ordinary `@django.tasks.task` functions enqueued on the backend that settings.TASKS
names (django-tasks-db on our PostgreSQL by default, RQ on Redis by TASKS_BACKEND=rq).
`manage.py worker` (`make worker`) runs them; see README, "Background work".
"""
