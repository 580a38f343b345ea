"""The shapes the read-only JSON API returns: what readers see, with every URL absolute.

Only fields published in a live revision's snapshot appear; no database ids.
"""

from dataclasses import fields
from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import create_model

from newsletter.content.snapshot import PaperCard


class Rendition(Schema):
    url: str
    width: int
    height: int


class Picture(Schema):
    url: str
    width: int
    height: int
    alt: str
    caption: str = ""
    credit: str = ""
    credit_url: str = ""
    renditions: list[Rendition] = Field(description="WebP renditions, narrowest first.")


class IssueSummary(Schema):
    number: int
    title: str
    slug: str
    url: str = Field(description="The issue's canonical page.")
    published_at: datetime = Field(description="When the issue first went live.")
    updated_at: datetime = Field(description="When its current revision went live.")
    summary_html: str
    hero_image: Picture | None


class ItemEntry(Schema):
    kind: Literal["item"]
    anchor: str
    url: str = Field(description="The entry on the issue's page.")
    title: str
    link: str = Field(description="The article the entry is about.")
    source: str
    body_html: str
    image: Picture | None


# A paper's card fields are the snapshot's (`PaperCard`), in its order, between the
# entry's address and its commentary.
PaperEntry = create_model(
    "PaperEntry",
    __base__=Schema,
    kind=(Literal["paper"], ...),
    anchor=(str, ...),
    url=(str, Field(description="The entry on the issue's page.")),
    **{card_field.name: (card_field.type, ...) for card_field in fields(PaperCard)},
    summary_html=(str, ...),
    image=(Picture | None, ...),
)


Entry = Annotated[ItemEntry | PaperEntry, Field(discriminator="kind")]


class IssueSection(Schema):
    anchor: str
    url: str = Field(description="The section on the issue's page.")
    title: str
    intro_html: str
    entries: list[Entry]


class IssueDetail(IssueSummary):
    sections: list[IssueSection]


class IssuePage(Schema):
    count: int
    page: int
    pages: int
    next: str | None
    previous: str | None
    items: list[IssueSummary]


class Message(Schema):
    detail: str
