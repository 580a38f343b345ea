"""Search rows: one searchable part of a revision, written once when it is frozen."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from newsletter.models.revisions import Revision


class SearchEntry(models.Model):
    """One searchable part of a revision (the issue, a section intro, an item or a paper).

    Written once, with the revision, by `newsletter.content.search_index.index_revision()`:
    one row per part, so that a search result can point at the part's anchor in its page.
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
