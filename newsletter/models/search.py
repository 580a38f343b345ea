"""Search rows: one part of a revision, written once when it is frozen.

Readers' search ranks them; the papers index groups their paper rows by the paper's key.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func, Q

from newsletter.models.revisions import Revision


class TitleLexemes(Func):
    """The words of an entry's title: the lexemes of its vector with weight A."""

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{a}'::\"char\"[])"
    output_field = SearchVectorField()


class TitleKey(Func):
    """A short key of the set of an entry's title words: equal for a query of exactly them.

    An md5, so that a long title cannot exceed a btree row; `search_ranking` compares it
    with the key of the query's words.
    """

    template = "md5(strip(ts_filter(%(expressions)s, '{a}'::\"char\"[]))::text)"
    output_field = models.CharField()


class SearchEntry(models.Model):
    """One part of a revision (the issue, a section intro, an item or a paper).

    Written once, with the revision, by `newsletter.content.search_index.index_revision()`:
    one row per part, so that a search result can point at the part's anchor in its page.
    A paper's row also carries what its card on the papers index shows (title, authors in
    `byline`, the arXiv id and links) and `paper_key`, so the index is a query over the
    live revisions' rows and never reads a snapshot.
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
    # The revision's issue title and slug, for the result's heading and link: reading them
    # from the snapshot detoasts the whole document (some 30 kB) for every result shown.
    issue_title = models.TextField(blank=True)
    issue_slug = models.TextField(blank=True)
    # A paper's only ("" for every other kind): `PaperEntry.key` and the card's fields.
    paper_key = models.TextField(blank=True)
    arxiv_id = models.TextField(blank=True)
    arxiv_url = models.TextField(blank=True)
    paper_url = models.TextField(blank=True)
    code_url = models.TextField(blank=True)
    demo_url = models.TextField(blank=True)

    class Meta:
        ordering = ["revision", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "position"], name="search_entry_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="paper", paper_key__gt="") | (~Q(kind="paper") & Q(paper_key="")),
                name="search_entry_paper_key_of_papers",
            ),
        ]
        indexes = [
            GinIndex(fields=["vector"], name="search_entry_vector_gin"),
            # The papers index reads only these columns of the paper rows of live revisions.
            models.Index(
                fields=["revision", "position"],
                include=["paper_key", "id"],
                condition=Q(kind="paper"),
                name="search_entry_papers",
            ),
            # Title matches, found without reading every match's vector: a search for
            # common words ranks a bounded set of candidates (`newsletter.reader.search`).
            GinIndex(TitleLexemes(F("vector")), name="search_entry_title_gin"),
            models.Index(TitleKey(F("vector")), name="search_entry_title_key"),
        ]
        verbose_name_plural = "search entries"

    def __str__(self):
        return f"{self.revision}: {self.title}"
