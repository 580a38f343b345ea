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


@task
def check_issue_links(issue_id: int) -> int:
    """Check every link of an issue's working copy (for its preflight); how many failed."""
    from curation.link_checks import check_link
    from newsletter.models import Item, Paper

    urls = [
        *Item.objects.filter(section__issue=issue_id).exclude(url="").values_list("url", flat=True),
        *Paper.objects.filter(section__issue=issue_id)
        .exclude(paper_url="")
        .values_list("paper_url", flat=True),
    ]
    failed = 0
    for url in dict.fromkeys(urls):
        row = check_link(url)
        failed += bool(row is not None and not row.ok)
    return failed


@task
def recheck_live_links() -> str:
    """One link-rot run; then, when the backend can run a task later (a worker with the
    database backend), the next run is queued `LINKROT_INTERVAL_HOURS` from now."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from curation.linkrot import run

    report = run()
    if recheck_live_links.get_backend().supports_defer:
        later = timezone.now() + timedelta(hours=settings.LINKROT_INTERVAL_HOURS)
        recheck_live_links.using(run_after=later).enqueue()
    return str(report)
