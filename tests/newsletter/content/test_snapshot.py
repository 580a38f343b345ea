"""The typed snapshot: every stored schema version reads, bad ones are refused clearly."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from newsletter.content.build import build_snapshot, image_ref
from newsletter.content.snapshot import (
    SCHEMA,
    ImageRef,
    PaperEntry,
    Rendition,
    Snapshot,
    SnapshotError,
)
from newsletter.models import Revision
from tests.helpers.reader import make_image

STORED = Path(__file__).parent / "stored_snapshots"


def stored(version: int) -> dict:
    return json.loads((STORED / f"schema-{version}.json").read_text())


def stored_versions() -> list[int]:
    return sorted(int(re.search(r"\d+", path.stem)[0]) for path in STORED.glob("schema-*.json"))


def test_a_snapshot_of_every_schema_version_up_to_the_current_one_is_kept_to_test_against():
    # Bumping SCHEMA means keeping a snapshot of the old shape here, and a reader for it.
    assert stored_versions() == list(range(1, SCHEMA + 1))


@pytest.mark.parametrize("version", stored_versions())
def test_every_stored_schema_version_reads_into_the_typed_snapshot(version):
    data = stored(version)
    snapshot = Snapshot.from_json(data)

    assert snapshot.issue.title == data["issue"]["title"]
    assert [s.title for s in snapshot.sections] == [s["title"] for s in data["sections"]]
    entries = [e for s in data["sections"] for e in s["entries"]]
    assert [(e.kind, e.anchor) for _, e in snapshot.entries()] == [
        (e["kind"], e["anchor"]) for e in entries
    ]
    assert (
        snapshot.issue.hero_image.renditions[0].url
        == (data["issue"]["hero_image"]["renditions"][0]["url"])
    )
    assert snapshot.image_ids == tuple(data["image_ids"])


def test_the_current_schema_round_trips_unchanged():
    data = stored(SCHEMA)
    assert Snapshot.from_json(data).to_json() == data


@pytest.mark.django_db
@pytest.mark.parametrize("version", stored_versions())
def test_a_revision_stored_with_an_old_schema_is_still_served_to_readers(
    version, client, make_issue
):
    data = stored(version)
    issue = make_issue(number=data["issue"]["number"], slug=data["issue"]["slug"])
    Revision.objects.create(
        issue=issue,
        number=1,
        snapshot=data,
        go_live_at=timezone.now() - timedelta(minutes=1),
    )
    response = client.get(f"/issues/{data['issue']['number']}-{data['issue']['slug']}/")
    page = response.content.decode()

    assert response.status_code == 200
    for section in data["sections"]:
        for entry in section["entries"]:
            assert f'id="{entry["anchor"]}"' in page
    assert client.get("/feed/atom/").status_code == 200
    assert client.get(f"/api/issues/{data['issue']['number']}/").status_code == 200


def test_an_unknown_schema_version_is_refused_by_name():
    data = {**stored(SCHEMA), "schema": 99}
    with pytest.raises(SnapshotError, match="schema 99"):
        Snapshot.from_json(data)


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda d: d.pop("schema"), "no “schema”"),
        (lambda d: d["issue"].pop("slug"), "issue has no “slug”"),
        (lambda d: d["sections"][1].pop("anchor"), "Section 2 has no “anchor”"),
        (lambda d: d["sections"][0]["entries"][1].pop("title"), "Section 1, entry 2"),
        (lambda d: d["sections"][0]["entries"][0].update(kind="poem"), "unknown kind “poem”"),
    ],
)
def test_a_damaged_snapshot_is_refused_saying_where(damage, named):
    data = stored(SCHEMA)
    damage(data)
    with pytest.raises(SnapshotError, match=re.escape(named)):
        Snapshot.from_json(data)


@pytest.mark.django_db
def test_a_revision_whose_snapshot_cannot_be_read_is_never_saved(make_issue):
    issue = make_issue()
    with pytest.raises(SnapshotError):
        Revision.objects.create(issue=issue, number=1, snapshot={"issue": {}})
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_the_walkers_see_every_entry_in_page_order(make_issue):
    snapshot = build_snapshot(make_issue())

    assert [(s.title, e.title) for s, e in snapshot.entries()] == [
        ("My work", "Fine-tuning on a laptop"),
        ("My work", "A tiny eval harness"),
        ("Papers & research", "Attention Is All You Need"),
    ]
    assert [p.arxiv_id for p in snapshot.papers()] == ["1706.03762"]
    assert all(isinstance(p, PaperEntry) for p in snapshot.papers())
    assert snapshot.html_fragments() == [
        "<p>A month of <strong>compact</strong> models.</p>",
        "",
        "<p>What I learned fitting a model in <em>8 GB</em>.</p>",
        "<p>Notes on evals.</p>",
        "",
        "<p>The transformer paper; everything since builds on it.</p>",
    ]


@pytest.mark.django_db
def test_words_are_counted_once_whatever_the_markup(make_issue):
    issue = make_issue(title="One two", summary="three\n\nfour")  # two paragraphs
    for section in issue.sections.all():
        section.items.all().delete()
        section.papers.all().delete()
    snapshot = build_snapshot(issue)
    # title (2) + summary (2) + the section titles "My work" (2) and "Papers & research" (3)
    assert snapshot.word_count == 9
    assert snapshot.reading_minutes == 1


def picture(*widths: int, width=2000, height=1000) -> ImageRef:
    renditions = tuple(Rendition(f"/r/{w}.webp", w, w // 2) for w in widths)
    return ImageRef(
        id=1,
        url="/original.jpg",
        width=width,
        height=height,
        alt="A chart",
        caption="",
        credit="",
        credit_url="",
        renditions=renditions,
        srcset="",
    )


def test_one_rule_chooses_the_rendition_for_each_use():
    wide = picture(480, 960, 1600)
    assert wide.src == "/r/960.webp"  # the narrowest at least 960 px
    assert wide.thumbnail.url == "/r/480.webp"
    assert wide.social.url == "/r/1600.webp"

    narrow = picture(480, width=600, height=300)  # too small for a 960 rendition
    assert narrow.src == "/original.jpg"
    assert narrow.thumbnail.url == "/r/480.webp"
    assert narrow.social.url == "/r/480.webp"  # the widest there is

    bare = picture()
    assert (bare.src, bare.thumbnail.url, bare.social.url) == ("/original.jpg",) * 3


@pytest.mark.django_db
def test_a_stored_image_and_its_snapshot_reference_choose_alike():
    image = make_image("chart", width=1600, height=900)
    ref = image_ref(image)
    assert image.url_at_least(960) == ref.url_at_least(960)
    assert image.url_at_least(0) == ref.thumbnail.url
