"""Signals the content sends, for apps that build on it (the core never imports them).

`revision_frozen(sender=Revision, revision=...)`: a revision was just frozen, inside the
transaction that froze it, so indexes written by a receiver commit or roll back with it.
"""

from django.dispatch import Signal

revision_frozen = Signal()
