"""Revisions: immutable, frozen copies of an issue, and the one read model of what is public.

A revision is live while go_live_at <= now < coalesce(ends_at, infinity). Every public
read (pages, feeds, sitemap, search, API, email edition) starts from
`Revision.objects.live()` or the listing built on it, `Revision.objects.live_issues()`;
nothing public reads the working copy, so a draft cannot leak.
"""

from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, JSONField, OuterRef, Q, Subquery, Value
from django.db.models.fields.json import KeyTransform
from django.urls import reverse
from django.utils import timezone

from newsletter.content.snapshot import IssuePart, Snapshot, issue_path
from newsletter.models.content import Issue
from newsletter.models.images import Image

# Newest issue first: by the revision's own copy of its number (a column, so ordering
# never reads a snapshot), then the newest revision of that number.
NEWEST_FIRST = (F("issue_number").desc(), F("go_live_at").desc(), F("id").desc())


def _head(queryset) -> Subquery:
    """The issue part of the first revision of `queryset`, as a subquery."""
    head = queryset.annotate(head=KeyTransform("issue", "snapshot")).values("head")[:1]
    return Subquery(head, output_field=JSONField())


def first_published(issue: OuterRef, at: datetime | None = None) -> Subquery:
    """When `issue` (a reference to an issue's id) first went live, up to `at` (now).

    A correction supersedes a revision but does not republish the issue: pages, feeds,
    the API and curation's "featured before" date an issue by this, not by the go-live
    of the revision they read.
    """
    earliest = Revision.objects.filter(issue=issue, go_live_at__lte=at or timezone.now())
    return Subquery(
        earliest.order_by("go_live_at").values("go_live_at")[:1],
        output_field=models.DateTimeField(),
    )


class RevisionQuerySet(models.QuerySet):
    def live(self, at=None):
        """Revisions visible to readers at `at` (now by default): go_live_at <= at < ends_at.

        The one definition of "public": every page, feed, sitemap and API goes through it.
        """
        at = at or timezone.now()
        return self.filter(go_live_at__lte=at).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))

    def scheduled(self, at=None):
        """Revisions that will go live later than `at`."""
        return self.filter(go_live_at__gt=at or timezone.now())

    def published(self):
        """Revisions ever published or scheduled (go_live_at set): their number is their
        issue's for good (see `number_refusal`)."""
        return self.filter(go_live_at__isnull=False)

    def with_first_published(self, at=None):
        """Annotate `first_published`: when the revision's issue first went live, up to `at`.

        A correction supersedes a revision but does not republish the issue: pages, feeds
        and the API keep the original publication date.
        """
        return self.annotate(first_published=first_published(OuterRef("issue"), at))

    def live_issues(self, at: datetime):
        """The live issues at `at`, newest first, each with `first_published`.

        Pages, feeds, the sitemap, the API and the email edition list and look up issues
        through it; narrow it with `in_full()` or `headings()`.
        """
        return self.live(at).with_first_published(at).order_by(*NEWEST_FIRST)

    def in_full(self):
        """Load what rendering a whole issue needs, and nothing more."""
        return self.only("id", "issue_id", "issue_number", "snapshot", "go_live_at", "ends_at")

    def headings(self):
        """Load only the issue part of each snapshot (number, title, slug, summary, hero)."""
        return self.annotate(head=KeyTransform("issue", "snapshot")).only(
            "id", "issue_number", "go_live_at", "ends_at"
        )

    def with_sections(self):
        """With `headings()`: also load the sections, so `content` is whole without the rest."""
        return self.annotate(
            sections=KeyTransform("sections", "snapshot"),
            schema=KeyTransform("schema", "snapshot"),
        )

    def with_neighbours(self, at: datetime):
        """Annotate `older` and `newer`: the issue part of the live issues either side."""
        this = OuterRef("issue_number")
        live = Revision.objects.live(at)
        return self.annotate(
            older=_head(live.filter(issue_number__lt=this).order_by("-issue_number")),
            newer=_head(live.filter(issue_number__gt=this).order_by("issue_number")),
        )


# A live number belongs to its issue for good ------------------------------------------
#
# Readers, feeds, the API and every link find an issue by the number it was published
# with, so that number never moves to another issue and the issue never changes it.
# The database enforces it (migration 0009); these say why, before anything is written.


def _published_elsewhere(number: int, issue_id: int | None) -> "Revision | None":
    return (
        Revision.objects.published()
        .filter(issue_number=number)
        .exclude(issue_id=issue_id)
        .order_by("-go_live_at")
        .first()
    )


def _taken(number: int, other: "Revision") -> str:
    return (
        f"Number {number} belongs to “{other.title}”, which was published as issue "
        f"#{number}: a published number stays with its issue, so readers' links keep "
        "working. Choose another number."
    )


def number_refusal(number: int, issue: Issue | None = None) -> str | None:
    """Why `issue` (None: a new issue) may not have `number`, or None if it may."""
    if issue is not None and issue.pk is not None:
        saved = Issue.objects.filter(pk=issue.pk).values_list("number", flat=True).first()
        if saved is not None and saved != number:
            own = Revision.objects.published().filter(issue_id=issue.pk)
            if own.filter(go_live_at__lte=timezone.now()).exists():
                return (
                    f"Issue #{saved} has been published, so its number stays {saved}: "
                    "readers, feeds and links know the issue by it."
                )
            if own.exists():
                return (
                    f"Issue #{saved} is scheduled to go live as #{saved}, so its number "
                    "stays: cancel the schedule first to change it."
                )
    other = _published_elsewhere(number, issue.pk if issue is not None else None)
    return _taken(number, other) if other is not None else None


def publication_number_refusal(revision: "Revision") -> str | None:
    """Why `revision` may not go live under the number it carries, or None if it may."""
    number = revision.issue_number
    other = _published_elsewhere(number, revision.issue_id)
    if other is not None:
        return (
            f"Revision {revision.number} is numbered #{number}, and number {number} belongs "
            f"to “{other.title}”, which was published as issue #{number}: a published number "
            "stays with its issue. Give this issue another number and submit it again."
        )
    own = Revision.objects.published().filter(issue_id=revision.issue_id).exclude(pk=revision.pk)
    if own.exists() and not own.filter(issue_number=number).exists():
        was = own.order_by("-go_live_at").values_list("issue_number", flat=True).first()
        return (
            f"This issue was published as #{was}, so revision {revision.number}, numbered "
            f"#{number}, cannot go live: a published number stays with its issue."
        )
    return None


class Int8Range(Func):
    function = "int8range"
    output_field = BigIntegerRangeField()


class TsTzRange(Func):
    function = "tstzrange"
    output_field = DateTimeRangeField()


class Revision(models.Model):
    """An immutable, frozen copy of an issue, with its publication interval.

    `snapshot` holds the JSON; `content` reads it back as the typed `Snapshot`.
    """

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The number in the snapshot, copied to a column: public pages find, order and page
    # through issues by it without reading the (large) snapshot.
    issue_number = models.PositiveIntegerField(editable=False, db_index=True)
    go_live_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(null=True, blank=True, db_index=True)
    images = models.ManyToManyField(Image, through="RevisionImage", related_name="revisions")

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["issue", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "number"], name="revision_number_unique"),
            models.CheckConstraint(condition=Q(number__gt=0), name="revision_number_positive"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | (Q(go_live_at__isnull=False) & Q(ends_at__gt=F("go_live_at"))),
                name="revision_interval_ordered",
            ),
            # At most one live revision per issue at any instant. The issue is written as a
            # one-point int8range so that GiST needs no btree_gist extension.
            ExclusionConstraint(
                name="revision_one_live_per_issue",
                expressions=[
                    (Int8Range(F("issue"), F("issue"), Value("[]")), RangeOperators.OVERLAPS),
                    (TsTzRange(F("go_live_at"), F("ends_at")), RangeOperators.OVERLAPS),
                ],
                condition=Q(go_live_at__isnull=False),
                violation_error_message="Another revision of this issue is live at that time.",
            ),
        ]

    def __str__(self):
        return f"{self.issue} — revision {self.number}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            frozen = self.content  # a snapshot this code cannot read is refused here
            if self.issue_number is None:
                self.issue_number = frozen.issue.number
        # Revisions are immutable: only the publication interval may change after creation.
        if self.pk and not kwargs.get("update_fields"):
            raise ValueError("A revision is immutable; use update_fields for its interval.")
        if kwargs.get("update_fields") and set(kwargs["update_fields"]) - {"go_live_at", "ends_at"}:
            raise ValueError("Only the publication interval of a revision may change.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The issue's canonical public address, from the number and slug frozen here."""
        return issue_path(self.issue_number, self.slug)

    @cached_property
    def content(self) -> Snapshot:
        """The snapshot, typed and schema-checked. A revision never changes, so it is read once.

        Loaded with `headings().with_sections()`, it is put together from those parts.
        """
        loaded = self.__dict__
        if "snapshot" not in loaded and {"head", "sections", "schema"} <= loaded.keys():
            parts = {"schema": loaded["schema"], "issue": loaded["head"]}
            return Snapshot.from_json({**parts, "sections": loaded["sections"]})
        return Snapshot.from_json(self.snapshot)

    @cached_property
    def heading(self) -> IssuePart:
        """The issue part of the snapshot; from the `headings()` annotation when loaded so."""
        head = self.__dict__.get("head")
        if head is not None:
            return IssuePart.from_json(head)
        return self.content.issue

    @property
    def title(self) -> str:
        return self.heading.title

    @property
    def slug(self) -> str:
        return self.heading.slug

    @property
    def published_at(self) -> datetime | None:
        """When readers were first shown this issue (`first_published`, when annotated)."""
        return getattr(self, "first_published", None) or self.go_live_at

    def issue_first_published(self) -> datetime | None:
        """When this revision's issue first went live, up to this revision's go-live: the
        issue's date, which a correction keeps (`first_published` when annotated, else
        read). None for a revision never published."""
        if self.go_live_at is None:
            return None
        annotated = getattr(self, "first_published", None)
        if annotated is not None:
            return annotated
        earliest = Revision.objects.filter(issue_id=self.issue_id, go_live_at__lte=self.go_live_at)
        return earliest.order_by("go_live_at").values_list("go_live_at", flat=True).first()

    def get_short_url(self) -> str:
        """The issue's permanent short address: it redirects to the canonical one."""
        return reverse("newsletter:issue-short", kwargs={"number": self.issue_number})

    def is_live(self, at=None) -> bool:
        at = at or timezone.now()
        return (
            self.go_live_at is not None
            and self.go_live_at <= at
            and (self.ends_at is None or at < self.ends_at)
        )


class RevisionImage(models.Model):
    """Every image a revision shows: PROTECT keeps a published picture from being deleted."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE)
    image = models.ForeignKey(Image, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "image"], name="revision_image_unique")
        ]

    def __str__(self):
        return f"{self.revision} shows {self.image}"
