"""Create immutable revisions from the working copy.

Changing a revision's publication interval is the workflow's business
(`editorial.workflow`); this module only freezes.
"""

from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import Max, Value
from django.utils.html import strip_tags

from newsletter.models import Issue, Revision, RevisionImage
from newsletter.search import SEARCH_CONFIG, index_revision
from newsletter.snapshots import build_snapshot


def search_text(snapshot: dict) -> dict[str, str]:
    """The snapshot's words, by weight: A titles, B summaries and entry titles, C bodies."""
    issue = snapshot["issue"]
    b_parts = [strip_tags(issue["summary_html"])]
    c_parts = []
    for section in snapshot["sections"]:
        b_parts.append(section["title"])
        c_parts.append(strip_tags(section["intro_html"]))
        for entry in section["entries"]:
            b_parts.append(entry["title"])
            if entry["kind"] == "paper":
                b_parts.append(entry["authors"])
                c_parts.append(strip_tags(entry["summary_html"]))
            else:
                c_parts.append(entry["source"])
                c_parts.append(strip_tags(entry["body_html"]))
    return {"A": issue["title"], "B": " ".join(b_parts), "C": " ".join(c_parts)}


@transaction.atomic
def freeze(issue: Issue, *, by, snapshot: dict | None = None) -> Revision:
    """Freeze the working copy of `issue` into a new, numbered, immutable Revision.

    With `snapshot`, the new revision is a copy of that one instead (a restore).
    """
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    number = (issue.revisions.aggregate(m=Max("number"))["m"] or 0) + 1
    if snapshot is None:
        snapshot = build_snapshot(issue)
    revision = Revision.objects.create(issue=issue, number=number, snapshot=snapshot, created_by=by)
    RevisionImage.objects.bulk_create(
        [RevisionImage(revision=revision, image_id=pk) for pk in snapshot["image_ids"]]
    )
    words = search_text(snapshot)
    vector = (
        SearchVector(Value(words["A"]), weight="A", config=SEARCH_CONFIG)
        + SearchVector(Value(words["B"]), weight="B", config=SEARCH_CONFIG)
        + SearchVector(Value(words["C"]), weight="C", config=SEARCH_CONFIG)
    )
    Revision.objects.filter(pk=revision.pk).update(search_vector=vector)
    index_revision(revision)
    return revision
