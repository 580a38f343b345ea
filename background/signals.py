"""What the worker announces.

`worker_ready` is sent once by each worker process as it starts, before it takes its first
task: work that a killed worker left half done is put back on the queue there (the
sending app resumes every unfinished send).
"""

from django.dispatch import Signal

worker_ready = Signal()
