"""The content: the working copy (Issue, Section, Item, Paper), images, and revisions.

Public pages read only `Revision.objects.live()`; nothing public reads the working copy.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Func, OuterRef, Q, Subquery, Value
from django.urls import reverse
from django.utils import timezone

ARXIV_ID = RegexValidator(
    r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$",
    "Enter an arXiv identifier such as 2310.06825 or 2310.06825v2.",
)


class Image(models.Model):
    """An uploaded picture, re-encoded without metadata, with WebP renditions for srcset.

    Create images through `newsletter.images.ingest()`, which validates and normalises
    the upload; the same bytes uploaded twice give the same Image (unique sha256).
    """

    file = models.ImageField(upload_to="images/%Y/%m/", width_field="width", height_field="height")
    alt_text = models.CharField(
        max_length=300,
        help_text="Describe the picture for people who cannot see it. Required.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    credit_url = models.URLField(blank=True)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    # [{"width": 480, "height": 270, "name": "renditions/…-480.webp"}, …], narrowest first.
    renditions = models.JSONField(default=list, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(alt_text=""), name="image_alt_text_required"),
        ]

    def __str__(self):
        return self.alt_text[:80] or self.file.name


class Issue(models.Model):
    """The working copy of one issue: editable in draft, frozen into Revisions."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(blank=True, help_text="Markdown. Shown on the archive and in feeds.")
    hero_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.DRAFT, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gt=0), name="issue_number_positive"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "in_review", "approved"]), name="issue_state_valid"
            ),
        ]

    def __str__(self):
        return f"#{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("newsletter:issue-detail", kwargs={"number": self.number, "slug": self.slug})

    @property
    def is_editable(self) -> bool:
        """The working copy may be edited only in draft: review and approval freeze it."""
        return self.state == self.State.DRAFT

    @classmethod
    def next_number(cls) -> int:
        return (cls.objects.aggregate(m=models.Max("number"))["m"] or 0) + 1


STANDARD_SECTIONS = ("My work", "From the internet", "Papers & research", "A couple of cool things")


class Section(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="Markdown.")
    position = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title


class Item(models.Model):
    """A linked article with commentary and an optional picture."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Who published it.")
    body = models.TextField(blank=True, help_text="Markdown commentary.")
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title


class Paper(models.Model):
    """A research paper and why it matters."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="papers")
    title = models.CharField(max_length=500)
    authors = models.CharField(max_length=1000, blank=True)
    arxiv_id = models.CharField(
        "arXiv id", max_length=40, blank=True, validators=[ARXIV_ID], db_index=True
    )
    paper_url = models.URLField(max_length=1000, blank=True)
    code_url = models.URLField(max_length=1000, blank=True)
    demo_url = models.URLField(max_length=1000, blank=True)
    summary = models.TextField(blank=True, help_text="Markdown: why it matters.")
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title


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

    def with_first_published(self, at=None):
        """Annotate `first_published`: when the revision's issue first went live, up to `at`.

        A correction supersedes a revision but does not republish the issue: pages, feeds
        and the API keep the original publication date.
        """
        earliest = Revision.objects.filter(
            issue=OuterRef("issue"), go_live_at__lte=at or timezone.now()
        ).order_by("go_live_at")
        return self.annotate(
            first_published=Subquery(
                earliest.values("go_live_at")[:1], output_field=models.DateTimeField()
            )
        )


class Int8Range(Func):
    function = "int8range"
    output_field = BigIntegerRangeField()


class TsTzRange(Func):
    function = "tstzrange"
    output_field = DateTimeRangeField()


class Revision(models.Model):
    """An immutable, frozen copy of an issue, with its publication interval."""

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    search_vector = SearchVectorField(null=True, editable=False)
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
        indexes = [GinIndex(fields=["search_vector"], name="revision_search_gin")]

    def __str__(self):
        return f"{self.issue} — revision {self.number}"

    def save(self, *args, **kwargs):
        if self._state.adding and self.issue_number is None:
            number = (self.snapshot or {}).get("issue", {}).get("number")
            self.issue_number = number if number is not None else self.issue.number
        # Revisions are immutable: only the publication interval may change after creation.
        if self.pk and not kwargs.get("update_fields"):
            raise ValueError("A revision is immutable; use update_fields for its interval.")
        if kwargs.get("update_fields") and set(kwargs["update_fields"]) - {
            "go_live_at",
            "ends_at",
            "search_vector",
        }:
            raise ValueError("Only the publication interval of a revision may change.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        number = self.snapshot["issue"]["number"]
        return reverse("newsletter:issue-detail", kwargs={"number": number, "slug": self.slug})

    @property
    def title(self) -> str:
        return self.snapshot["issue"]["title"]

    @property
    def slug(self) -> str:
        return self.snapshot["issue"]["slug"]

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


class SearchEntry(models.Model):
    """One searchable part of a revision (the issue, a section intro, an item or a paper).

    Written once, with the revision, by `newsletter.search.index_revision()`: one row per
    part, so that a search result can point at the part's anchor in the issue page.
    """

    class Kind(models.TextChoices):
        ISSUE = "issue", "Issue"
        SECTION = "section", "Section"
        ITEM = "item", "Item"
        PAPER = "paper", "Paper"

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="search_entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    anchor = models.CharField(max_length=200, blank=True, help_text="Blank for the issue itself.")
    position = models.PositiveIntegerField(help_text="Order within the revision.")
    title = models.TextField()
    byline = models.TextField(blank=True, help_text="A paper's authors or an item's source.")
    # Plain text, HTML-escaped: PostgreSQL's text-search parser reads anything between < and >
    # as a tag and drops it (and every word after a <script>), so ts_headline and the vector
    # must never see a bare <.
    text = models.TextField(blank=True)
    vector = SearchVectorField()

    class Meta:
        ordering = ["revision", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "position"], name="search_entry_position_unique"
            ),
        ]
        indexes = [GinIndex(fields=["vector"], name="search_entry_vector_gin")]
        verbose_name_plural = "search entries"

    def __str__(self):
        return f"{self.revision}: {self.title}"
