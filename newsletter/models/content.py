"""The working copy of an issue: Issue, its Sections, and their Items and Papers.

Editors change these in draft; `newsletter.content.freeze` turns them into an immutable
Revision. Nothing public reads them, so a working copy has no public address.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from newsletter.content import markdown
from newsletter.content.arxiv import MESSAGE as ARXIV_MESSAGE
from newsletter.content.arxiv import normalise_arxiv_id
from newsletter.models.images import Image
from newsletter.models.validators import single_line

ARXIV_ID = RegexValidator(
    r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$",
    ARXIV_MESSAGE,
)


def _clean_arxiv_id(value):
    """`normalise_arxiv_id` for a field: blank stays blank, a refusal is a ValidationError."""
    if value is None or not value.strip():
        return "" if value is not None else value
    try:
        return normalise_arxiv_id(value)
    except ValueError:
        raise ValidationError(ARXIV_MESSAGE, code="invalid") from None


class ArxivIdFormField(forms.CharField):
    """Takes `arXiv:…`, arxiv.org links and bare ids; its cleaned value is the bare id."""

    def to_python(self, value):
        return _clean_arxiv_id(super().to_python(value))

    def widget_attrs(self, widget):
        # max_length bounds the stored id, not the pasted link it is read from.
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class ArxivIdField(models.CharField):
    """An arXiv id, stored bare: `clean` (every model form, `full_clean`) normalises it."""

    def clean(self, value, model_instance):
        return super().clean(_clean_arxiv_id(value), model_instance)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ArxivIdFormField, **kwargs})


class Issue(models.Model):
    """The working copy of one issue: editable in draft, frozen into Revisions."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200, validators=[single_line])
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(
        blank=True,
        help_text="Markdown. Shown on the archive and in feeds.",
        validators=[markdown.validate],
    )
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
    title = models.CharField(max_length=200, validators=[single_line])
    intro = models.TextField(blank=True, help_text="Markdown.", validators=[markdown.validate])
    position = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title


class Item(models.Model):
    """A linked article with commentary and an optional picture."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=300, validators=[single_line])
    url = models.URLField(max_length=1000, blank=True)
    source = models.CharField(
        max_length=200, blank=True, help_text="Who published it.", validators=[single_line]
    )
    body = models.TextField(
        blank=True, help_text="Markdown commentary.", validators=[markdown.validate]
    )
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
    title = models.CharField(max_length=500, validators=[single_line])
    authors = models.CharField(max_length=1000, blank=True, validators=[single_line])
    arxiv_id = ArxivIdField(
        "arXiv id",
        max_length=40,
        blank=True,
        validators=[ARXIV_ID],
        db_index=True,
        help_text="The bare id, such as 2310.06825 or hep-th/9901001; an arXiv: reference "
        "or an arxiv.org link is stored as its id. A version (v2) is kept only when you "
        "give one: leave it off to mean the paper's latest version.",
    )
    paper_url = models.URLField(max_length=1000, blank=True)
    code_url = models.URLField(max_length=1000, blank=True)
    demo_url = models.URLField(max_length=1000, blank=True)
    summary = models.TextField(
        blank=True, help_text="Markdown: why it matters.", validators=[markdown.validate]
    )
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title
