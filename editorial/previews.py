"""Previews of unpublished work: the working copy or one revision, and links to share them.

A share link is a signed, expiring token naming an issue, a target (the working copy or
a revision number) and the issue's share-link generation. Bumping the generation
(`revoke_share_links`) invalidates every link issued before, without storing the links.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from editorial.models import ShareLinkKey
from newsletter.content.build import build_snapshot
from newsletter.content.snapshot import Snapshot
from newsletter.models import Issue, Revision

WORKING = "working"
SHARE_SALT = "editorial.share"
DEFAULT_DAYS = 7
MAX_DAYS = 30

Target = str | int  # WORKING, or a revision number


class InvalidShareLink(Exception):
    """A share link that cannot be honoured; the message is fit to show its holder."""

    gone = False  # True when the link was genuine once: expired or revoked


class ExpiredShareLink(InvalidShareLink):
    gone = True


class RevokedShareLink(InvalidShareLink):
    gone = True


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SHARE_SALT)


def share_generation(issue: Issue) -> int:
    """The issue's current share-link generation; 1 until links are first revoked."""
    generation = (
        ShareLinkKey.objects.filter(issue=issue).values_list("generation", flat=True).first()
    )
    return generation or 1


def parse_target(value) -> Target:
    """WORKING or a positive revision number, from a form field or a token; else ValueError."""
    if value == WORKING:
        return WORKING
    number = int(str(value))
    if number < 1:
        raise ValueError("A revision number is positive.")
    return number


def make_share_token(issue: Issue, target: Target, *, days: int = DEFAULT_DAYS) -> str:
    """Sign a link to `target` of `issue`, valid for `days` days or until revoked."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"A share link lasts between 1 and {MAX_DAYS} days.")
    payload = {
        "i": issue.pk,
        "t": parse_target(target),
        "g": share_generation(issue),
        "d": days,
    }
    return _signer().sign_object(payload, compress=True)


def read_share_token(token: str) -> tuple[Issue, Target]:
    """Return (issue, target) named by a genuine, unexpired, unrevoked token.

    Raises InvalidShareLink (ExpiredShareLink, RevokedShareLink) otherwise.
    """
    signer = _signer()
    try:
        payload = signer.unsign_object(token)
        issue_pk, target, generation, days = (payload[k] for k in ("i", "t", "g", "d"))
        target = parse_target(target)
        days = min(int(days), MAX_DAYS)
    except (signing.BadSignature, ValueError, TypeError, KeyError) as exc:
        raise InvalidShareLink("This preview link is not valid.") from exc
    try:
        signer.unsign_object(token, max_age=timedelta(days=days))
    except signing.SignatureExpired as exc:
        raise ExpiredShareLink("This preview link has expired.") from exc
    issue = Issue.objects.filter(pk=issue_pk).first()
    if issue is None:
        raise InvalidShareLink("This preview link is not valid.")
    if generation != share_generation(issue):
        raise RevokedShareLink("This preview link has been withdrawn.")
    return issue, target


def share_token_expires_at(token: str) -> datetime:
    """When a token read by `read_share_token` stops working."""
    payload = _signer().unsign_object(token)
    timestamp = signing.b62_decode(token.rsplit(_signer().sep, 2)[-2])
    return datetime.fromtimestamp(timestamp, tz=UTC) + timedelta(days=min(payload["d"], MAX_DAYS))


def revoke_share_links(issue: Issue, *, by) -> int:
    """Invalidate every share link of `issue` issued so far; return the new generation."""
    with transaction.atomic():
        key, _ = ShareLinkKey.objects.select_for_update().get_or_create(issue=issue)
        ShareLinkKey.objects.filter(pk=key.pk).update(
            generation=F("generation") + 1, revoked_at=timezone.now(), revoked_by=by
        )
        key.refresh_from_db(fields=["generation"])
    return key.generation


@dataclass(frozen=True)
class Preview:
    """What a preview page renders: a snapshot and, for a revision, that revision."""

    issue: Issue
    snapshot: Snapshot
    revision: Revision | None = None


def preview_for(issue: Issue, target: Target) -> Preview:
    """The working copy built on the fly, or a revision's frozen snapshot.

    Raises Revision.DoesNotExist when the issue has no revision with that number.
    """
    if target == WORKING:
        return Preview(issue, build_snapshot(issue))
    revision = Revision.objects.get(issue=issue, number=target)
    return Preview(issue, revision.content, revision)


def page_revision(preview: Preview) -> Revision:
    """The `revision` the public template is given, dated as readers would see it.

    The working copy is shown as the revision that freezing it now would make: unsaved and
    undated. A dated revision gets `first_published`, as the public page annotates it: when
    the issue first went live, up to the moment this revision does.
    """
    revision = preview.revision or Revision(
        issue=preview.issue,
        number=0,
        issue_number=preview.snapshot.issue.number,
        snapshot=preview.snapshot.to_json(),
    )
    revision.first_published = None  # not an annotation of now: read up to its go-live
    revision.first_published = revision.issue_first_published()
    return revision


def revision_status(revision: Revision, at: datetime | None = None) -> str:
    """One of "live", "scheduled", "ended", "never published"."""
    at = at or timezone.now()
    if revision.go_live_at is None:
        return "never published"
    if revision.is_live(at):
        return "live"
    if revision.go_live_at > at:
        return "scheduled"
    return "ended"
