"""Publication is an interval checked by a query: no job has to run on time."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from newsletter.content.build import build_snapshot
from newsletter.models import Image, Revision, SearchEntry
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db


def test_publish_freezes_the_working_copy_and_makes_it_live_now(make_issue, editor):
    issue = make_issue()
    revision = publish(issue)
    assert list(Revision.objects.live()) == [revision]
    assert revision.content == build_snapshot(issue)
    assert revision.created_by.username == "wf-editor"


def test_a_revision_scheduled_for_later_is_invisible_until_its_second(make_issue, editor):
    issue = make_issue()
    go_live = timezone.now().replace(microsecond=0) + timedelta(days=1)
    revision = publish(issue, at=go_live)
    with time_machine.travel(go_live - timedelta(seconds=1), tick=False):
        assert not Revision.objects.live().exists()
    with time_machine.travel(go_live, tick=False):
        assert list(Revision.objects.live()) == [revision]


def test_publishing_again_supersedes_the_live_revision(make_issue, editor):
    issue = make_issue()
    first = publish(issue)
    issue.title = "Corrected title"
    issue.save()
    second = publish(issue)
    first.refresh_from_db()
    assert first.ends_at == second.go_live_at
    assert [r.title for r in Revision.objects.live()] == ["Corrected title"]


def test_later_edits_never_change_a_frozen_revision(make_issue, editor):
    issue = make_issue()
    revision = publish(issue)
    issue.title = "Edited afterwards"
    issue.save()
    issue.sections.first().items.update(title="Changed item")
    revision.refresh_from_db()
    assert revision.title == "Small models, big ideas"
    assert "Changed item" not in str(revision.snapshot)


def test_the_snapshot_holds_every_section_entry_in_order_with_rendered_markdown(make_issue):
    snapshot = build_snapshot(make_issue())
    assert [s.title for s in snapshot.sections] == ["My work", "Papers & research"]
    work, papers = snapshot.sections
    assert [e.title for e in work.entries] == [
        "Fine-tuning on a laptop",
        "A tiny eval harness",
    ]
    assert work.entries[0].body_html == "<p>What I learned fitting a model in <em>8 GB</em>.</p>"
    assert papers.entries[0].arxiv_url == "https://arxiv.org/abs/1706.03762"
    assert snapshot.issue.summary_html == "<p>A month of <strong>compact</strong> models.</p>"
    anchors = [s.anchor for s in snapshot.sections] + [e.anchor for _, e in snapshot.entries()]
    assert len(anchors) == len(set(anchors))


def test_a_revision_records_every_image_it_shows(make_issue, editor):
    hero = Image.objects.create(
        file="images/h.png", alt_text="Hero", width=10, height=5, sha256="1"
    )
    inline = Image.objects.create(
        file="images/i.png", alt_text="Inline", width=10, height=5, sha256="2"
    )
    issue = make_issue(hero_image=hero)
    item = issue.sections.first().items.first()
    item.body = "Look: ![chart](/media/images/i.png)"
    item.save()
    revision = publish(issue)
    assert set(revision.images.all()) == {hero, inline}


def test_a_revision_is_searchable_by_its_words_once_frozen(make_issue, editor):
    from django.contrib.postgres.search import SearchQuery

    revision = publish(make_issue())
    entries = SearchEntry.objects.filter(revision=revision)
    assert [e.title for e in entries.filter(vector=SearchQuery("transformer"))] == [
        "Attention Is All You Need"
    ]
    assert not entries.filter(vector=SearchQuery("zeppelin")).exists()


def test_links_in_a_snapshot_are_http_or_https_only(make_issue):
    issue = make_issue()
    item = issue.sections.first().items.first()
    item.url = "javascript:alert(1)"
    item.save()
    paper = issue.sections.last().papers.first()
    paper.code_url = "data:text/html,x"
    paper.demo_url = " HTTPS://demo.example/ "
    paper.save()
    snapshot = build_snapshot(issue)
    assert snapshot.sections[0].entries[0].url == ""
    assert snapshot.sections[1].entries[0].code_url == ""
    assert snapshot.sections[1].entries[0].demo_url == "HTTPS://demo.example/"
