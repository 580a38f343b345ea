"""Freeze the working copy into an immutable, numbered Revision, and make it searchable.

Every picture the revision shows has its renditions by then: those no worker has made yet
are made first, so what is approved, published and emailed is complete.

Changing a revision's publication interval is the workflow's business
(`editorial.workflow`); this module only freezes.
"""

from django.db import transaction
from django.db.models import Max

from newsletter.content import renditions
from newsletter.content.build import build_snapshot
from newsletter.content.search_index import index_revision
from newsletter.content.snapshot import Snapshot
from newsletter.models import Issue, Revision, RevisionImage
from newsletter.signals import revision_frozen


@transaction.atomic
def freeze(issue: Issue, *, by, snapshot: Snapshot | None = None) -> Revision:
    """Freeze the working copy of `issue` into a new, numbered, immutable Revision.

    With `snapshot`, the new revision is a copy of that one instead (a restore).
    """
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    number = (issue.revisions.aggregate(m=Max("number"))["m"] or 0) + 1
    if snapshot is None:
        snapshot = build_snapshot(issue)
        # A revision records its pictures' renditions: any a worker has not made yet are
        # made now (newsletter.content.renditions), and the snapshot is built again with them.
        if renditions.make(snapshot.image_ids, skip_unreadable=True):
            snapshot = build_snapshot(Issue.objects.get(pk=issue.pk))  # its pictures anew
    revision = Revision.objects.create(
        issue=issue, number=number, snapshot=snapshot.to_json(), created_by=by
    )
    RevisionImage.objects.bulk_create(
        [RevisionImage(revision=revision, image_id=pk) for pk in snapshot.image_ids]
    )
    index_revision(revision)
    revision_frozen.send(sender=Revision, revision=revision)
    return revision
