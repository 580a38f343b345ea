"""What changed in a revision: against the live one and the one before, word by word."""

import copy

import pytest
from django.urls import reverse

from editorial.diff import ADDED, CHANGED, REMOVED, UNCHANGED, diff_snapshots, diff_words
from editorial.roles import EDITORS
from editorial.workflow import perform
from newsletter.content.build import build_snapshot
from newsletter.models import Item, Paper, Section
from tests.helpers.workflow import publish, role_user

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def submit(issue):
    perform(issue, "submit", by=role_user("wf-editor", EDITORS))


def diff_page(client, user, issue, number):
    client.force_login(user)
    response = client.get(reverse("editorial:diff", args=[issue.pk, number]))
    assert response.status_code == 200
    return text(response)


def entries(diff):
    return {(e.kind, e.title): e for section in diff for e in section.entries}


# Words ---------------------------------------------------------------------------------


def test_diff_words_marks_removed_and_added_words():
    assert diff_words("a quick brown fox", "a slow brown fox") == (
        "a <del>quick</del> <ins>slow</ins> brown fox"
    )
    assert diff_words("", "new words") == "<ins>new words</ins>"
    assert diff_words("old words", "") == "<del>old words</del>"
    assert diff_words("same", "same") == "same"


def test_diff_words_escapes_every_word():
    result = diff_words("<b>bold</b> & co", '<script>alert("x")</script> & co')

    assert "<script>" not in result
    assert "<b>" not in result
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in result
    assert "&amp; co" in result


# Snapshots -----------------------------------------------------------------------------


def test_diff_snapshots_matches_entries_by_id_and_reports_each_kind_of_change(make_issue):
    issue = make_issue()
    old = build_snapshot(issue)
    work = Section.objects.get(issue=issue, title="My work")
    Item.objects.filter(title="A tiny eval harness").delete()
    Item.objects.create(section=work, title="Brand new item", position=5)
    Item.objects.filter(title="Fine-tuning on a laptop").update(
        title="Fine-tuning on a phone", body="What I learned fitting a model in *4 GB*."
    )
    Paper.objects.filter(arxiv_id="1706.03762").update(section=work, position=9)
    Section.objects.filter(title="Papers & research").update(title="Research")
    new = build_snapshot(issue)

    diff = diff_snapshots(old, new)
    found = entries(diff)

    assert found[("item", "Brand new item")].status == ADDED
    assert found[("item", "A tiny eval harness")].status == REMOVED
    renamed = found[("item", "Fine-tuning on a phone")]
    assert renamed.status == CHANGED
    assert {f.label for f in renamed.fields} == {"Title", "Commentary"}
    assert "<del>8</del> <ins>4</ins>" in str(
        next(f for f in renamed.fields if f.label == "Commentary").html
    )
    paper = found[("paper", "Attention Is All You Need")]
    assert (paper.status, paper.moved) == (UNCHANGED, "from “Papers & research”")
    research = next(s for s in diff if s.title == "Research")
    assert research.renamed and research.old_title == "Papers & research"
    assert diff.has_changes


def test_an_entry_typed_in_again_is_matched_by_its_title(make_issue):
    issue = make_issue()
    old = build_snapshot(issue)
    item = Item.objects.get(title="A tiny eval harness")
    item.delete()
    Item.objects.create(section=item.section, title=item.title, body="Notes on evals, redone.")

    found = entries(diff_snapshots(old, build_snapshot(issue)))

    assert list(found) == [
        ("item", "Fine-tuning on a laptop"),
        ("item", "A tiny eval harness"),
        ("paper", "Attention Is All You Need"),
    ]
    assert found[("item", "A tiny eval harness")].status == CHANGED


def test_reordering_items_within_a_section_marks_only_the_moved_one(make_issue):
    issue = make_issue()
    old = build_snapshot(issue)
    Item.objects.filter(title="Fine-tuning on a laptop").update(position=7)

    found = entries(diff_snapshots(old, build_snapshot(issue)))

    moved = {title for (_, title), e in found.items() if e.moved}
    assert len(moved) == 1
    assert all(e.status == UNCHANGED for e in found.values())


def test_identical_snapshots_have_no_changes(make_issue):
    snapshot = build_snapshot(make_issue())

    assert not diff_snapshots(snapshot, copy.deepcopy(snapshot)).has_changes


def test_with_nothing_before_everything_is_added(make_issue):
    diff = diff_snapshots(None, build_snapshot(make_issue()))

    assert {s.status for s in diff} == {ADDED}
    assert {f.label for f in diff.issue_fields} >= {"Title", "Summary"}


def test_html_fields_are_compared_as_text_and_their_links(make_issue):
    issue = make_issue()
    old = build_snapshot(issue)
    Item.objects.filter(title="A tiny eval harness").update(
        body="Notes on [evals](https://example.com/evals)."
    )

    [change] = [e for e in entries(diff_snapshots(old, build_snapshot(issue))).values() if e.fields]

    assert {f.label: (f.old, f.new) for f in change.fields} == {
        "Links in the text": ("", "https://example.com/evals"),
    }


# The page ------------------------------------------------------------------------------


@pytest.fixture
def second_revision(make_issue):
    """Revision 1 live; revision 2 adds an item, drops one and rewords the first."""
    issue = make_issue()
    publish(issue)
    work = Section.objects.get(issue=issue, title="My work")
    Item.objects.filter(title="A tiny eval harness").delete()
    Item.objects.create(section=work, title="Quantisation notes", body="Four bits.", position=3)
    Item.objects.filter(title="Fine-tuning on a laptop").update(
        title="Fine-tuning on a phone", body="What I learned fitting a model in *4 GB*."
    )
    submit(issue)
    return issue


def test_diff_page_shows_added_removed_and_reworded_items(client, reviewer, second_revision):
    page = diff_page(client, reviewer, second_revision, 2)

    assert "Against the live revision (1)" in page
    assert "Against the previous revision (1)" in page
    assert "Quantisation notes" in page
    assert "A tiny eval harness" in page
    assert ">added<" in page and ">removed<" in page
    assert "<del>laptop</del> <ins>phone</ins>" in page
    assert "<del>8</del> <ins>4</ins>" in page
    assert "The previous revision is the live one: see above." in page


def test_diff_against_the_previous_revision_shows_only_what_changed_since(
    client, reviewer, second_revision
):
    issue = second_revision
    perform(issue, "withdraw", by=role_user("wf-editor", EDITORS))
    Item.objects.filter(title="Quantisation notes").update(body="Three bits.")
    submit(issue)

    page = diff_page(client, reviewer, issue, 3)
    live_part, previous_part = page.split('id="against-previous"')

    assert "Against the previous revision (2)" in page
    assert "<del>laptop</del> <ins>phone</ins>" in live_part
    assert "<del>laptop</del>" not in previous_part
    assert "<del>Four</del> <ins>Three</ins> bits." in previous_part


def test_diff_page_of_the_live_revision_says_so(client, reviewer, make_issue):
    issue = make_issue()
    publish(issue)

    page = diff_page(client, reviewer, issue, 1)

    assert "Revision 1 is the live revision." in page


def test_diff_page_escapes_hostile_text(client, reviewer, make_issue):
    issue = make_issue()
    publish(issue)
    Item.objects.filter(title="A tiny eval harness").update(title='<script>alert("x")</script>')
    submit(issue)

    page = diff_page(client, reviewer, issue, 2)

    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_diff_page_is_for_staff_who_can_view_revisions(client, django_user_model, make_issue):
    issue = make_issue()
    submit(issue)
    url = reverse("editorial:diff", args=[issue.pk, 1])
    staff = django_user_model.objects.create_user("intern", password="x", is_staff=True)
    client.force_login(staff)

    assert client.get(url).status_code == 403
    assert client.get(reverse("editorial:diff", args=[issue.pk, 5])).status_code == 403
