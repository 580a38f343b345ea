"""What the workflow announces. Side effects (emails, sends) connect here, not to the workflow.

`transition_performed` is sent once the transaction of a transition has committed, with
`event` (the audit Event). A refused or rolled-back transition sends nothing. It is sent
in the context (contextvars) of the code that performed the transition, so a receiver
sees, for example, that the demo loader muted notifications.
"""

from django.dispatch import Signal

transition_performed = Signal()

transition_recorded = Signal()
"""Sent inside the transaction of a transition, once its Event is written, with `event`
(carrying `cancelled` and `email_subscribers`): for receivers whose rows must commit or
roll back with the transition itself. Anything that talks to the outside world belongs on
`transition_performed` instead."""
