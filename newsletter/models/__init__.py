"""The content models: the working copy, images, revisions and their search rows.

- `content`: Issue, Section, Item, Paper — the working copy editors change.
- `images`: Image — an uploaded picture and its renditions.
- `revisions`: Revision — an immutable, frozen copy of an issue with its publication
  interval; `Revision.objects` is the one read model of what readers see.
- `search`: SearchEntry — the searchable parts of a revision.
- `publication`: PublicationState — one row bumped by a trigger on every change of a
  revision's interval; `current_state(at)` keys the whole-response cache;
  PublicationListener — the web processes keeping it in memory, and what they have seen.
"""

from newsletter.models.content import ARXIV_ID, STANDARD_SECTIONS, Issue, Item, Paper, Section
from newsletter.models.images import Image
from newsletter.models.publication import PublicationListener, PublicationState
from newsletter.models.revisions import (
    Int8Range,
    Revision,
    RevisionImage,
    RevisionQuerySet,
    TsTzRange,
    first_published,
    issue_path,
)
from newsletter.models.search import SearchEntry

__all__ = [
    "ARXIV_ID",
    "STANDARD_SECTIONS",
    "Image",
    "Int8Range",
    "Issue",
    "Item",
    "Paper",
    "PublicationListener",
    "PublicationState",
    "Revision",
    "RevisionImage",
    "RevisionQuerySet",
    "SearchEntry",
    "Section",
    "TsTzRange",
    "first_published",
    "issue_path",
]
