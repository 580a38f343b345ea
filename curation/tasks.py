"""Background work of the curation tools, on Django's Tasks framework (`django.tasks`).

Each task takes ids, not objects (arguments must be JSON), and reads the rows afresh:
a worker may run it on another machine, later.
"""

from django.db import transaction
from django.tasks import task

from curation.models import SavedLink


@task
def fill_saved_link(link_id: int) -> str:
    from curation.filling import fill

    link = SavedLink.objects.filter(pk=link_id).first()
    if link is None:
        return "gone"
    return fill(link).status


def fill_after_commit(link: SavedLink) -> None:
    """Fill `link` in the background once the row it reads is committed."""
    transaction.on_commit(lambda: fill_saved_link.enqueue(link.pk))
