"""`manage.py import_issue FILE.md [--number N]`: one draft issue from a markdown file."""

from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from newsletter.content.build import build_snapshot
from newsletter.models import Issue, Item, Paper, Section
from tests.helpers.markdown_issues import JUNE, MINIMAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def write(tmp_path):
    def write(content: str | bytes, name="june.md"):
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return write


def run(*args) -> str:
    out = StringIO()
    call_command("import_issue", *map(str, args), stdout=out)
    return out.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return str(caught.value)


def nothing_saved():
    return not (Issue.objects.exists() or Section.objects.exists() or Item.objects.exists())


def test_imports_one_draft_issue_with_its_sections_items_and_papers(write, make_issue, editor):
    make_issue(number=11)
    out = run(write(JUNE), "--user", editor.username)

    issue = Issue.objects.get(title__startswith="Machine Learning Monthly, June")
    assert issue.number == 12  # the next number
    assert issue.state == Issue.State.DRAFT
    assert issue.slug == "machine-learning-monthly-june-small-models-grow-up"
    assert issue.created_by == editor and issue.updated_by == editor
    assert [s.title for s in issue.sections.all()] == [
        "My work",
        "From the internet",
        "Papers & research",
        "A couple of cool things",
    ]
    assert Item.objects.filter(section__issue=issue).count() == 7
    papers = Paper.objects.filter(section__issue=issue)
    assert sorted(papers.values_list("arxiv_id", flat=True)) == [
        "1706.03762v7",
        "2001.08361v1",
        "2201.12086",
        "hep-th/9901001",
    ]
    for paper in papers:
        paper.full_clean()  # every value is one the model accepts

    assert "Imported issue #12 “Machine Learning Monthly, June: small models grow up”" in out
    assert "  My work: 2 items, 0 papers" in out
    assert "  From the internet: 3 items, 0 papers" in out
    assert "  Papers & research: 0 items, 4 papers" in out
    assert "  A couple of cool things: 2 items, 0 papers" in out
    assert "images/hero-june.png in the summary" in out
    assert f"http://127.0.0.1:8000/admin/newsletter/issue/{issue.pk}/change/" in out


def test_an_imported_issue_renders_through_build_snapshot_in_order(write):
    run(write(JUNE))
    snapshot = build_snapshot(Issue.objects.get())

    assert snapshot.issue.title == "Machine Learning Monthly, June: small models grow up"
    assert "<strong>compact models</strong>" in snapshot.issue.summary_html
    assert [
        (section.title, [(entry.kind, entry.title) for entry in section.entries])
        for section in snapshot.sections
    ] == [
        (
            "My work",
            [
                ("item", "A tiny eval harness that fits in one file"),
                ("item", "Notes from a meetup talk on distillation"),
            ],
        ),
        (
            "From the internet",
            [
                ("item", "The illustrated guide to KV caching"),
                ("item", "Transformers"),
                ("item", "A field guide to quantisation"),
            ],
        ),
        (
            "Papers & research",
            [
                ("paper", "BLIP: Bootstrapping Language-Image Pre-training"),
                ("paper", "Scaling Laws for Neural Language Models"),
                ("paper", "Attention Is All You Need"),
                ("paper", "An old favourite from the string theorists"),
            ],
        ),
        (
            "A couple of cool things",
            [
                ("item", "A pocket-sized microscope"),
                ("item", "Sourdough with a thermometer"),
            ],
        ),
    ]
    blip = snapshot.sections[2].entries[0]
    assert blip.arxiv_url == "https://arxiv.org/abs/2201.12086"
    assert blip.code_url == "https://github.com/salesforce/BLIP"
    harness = snapshot.sections[0].entries[0]
    # The picture is still there, with its alt text, waiting for its file.
    assert 'alt="Accuracy of four small models on my held-out set"' in harness.body_html


def test_number_option_and_unique_slugs(write):
    path = write(JUNE)
    run(path, "--number", 40)
    run(path)
    first, second = Issue.objects.order_by("number")
    assert (first.number, second.number) == (40, 41)
    assert second.slug == first.slug + "-2"


def test_a_taken_number_is_refused_and_nothing_is_saved(write, make_issue):
    make_issue(number=3, title="Already here")
    message = refused(write(JUNE), "--number", 3)

    assert "Issue number 3 is taken, by “Already here”" in message
    assert "(4)" in message
    assert Issue.objects.count() == 1


def test_a_number_below_one_is_refused(write):
    assert "numbers start at 1" in refused(write(MINIMAL), "--number", 0)
    assert not Issue.objects.exists()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "the text is empty"),
        (b"\n   \n", "the text is empty"),
        (b"Notes without a heading\n", "has no title"),
        (b"# Title\n\x00\x00binary", "NUL bytes"),
        ("# Caf\u00e9\n".encode("cp1252"), "not UTF-8"),
        (b"# Big\n" + b"x" * (10 * 1024 * 1024), "is 10.0 MB; the largest issue that can be "),
    ],
)
def test_bad_files_are_refused_and_nothing_is_saved(write, content, says):
    message = refused(write(content))
    assert message.startswith("Nothing was imported from ")
    assert says in message
    assert nothing_saved()


def test_the_size_limit_is_named(write):
    assert "1 MB" in refused(write(b"# Big\n" + b"x" * (10 * 1024 * 1024)))


def test_a_missing_file_or_a_folder_is_refused(tmp_path):
    assert "There is no file" in refused(tmp_path / "nope.md")
    assert "is a folder" in refused(tmp_path)


def test_an_unknown_user_is_refused(write):
    assert "no user called “ghost”" in refused(write(MINIMAL), "--user", "ghost")
    assert nothing_saved()


def test_bad_values_are_listed_naming_their_entries(write):
    message = refused(
        write(
            "# July\n\n## From the internet\n\n"
            f"### [{'Long ' * 70}](https://example.com/long)\n\n"
            "### [Bad link](ftp//nowhere)\n"
        )
    )
    assert "Line 5, entry “Long Long" in message and "at most 300 characters" in message
    assert "Line 7, entry “Bad link” in “From the internet”: URL: Enter a valid URL." in message
    assert nothing_saved()


def test_a_failure_half_way_saves_nothing(write):
    with (
        mock.patch.object(Paper.objects, "bulk_create", side_effect=IntegrityError("boom")),
        pytest.raises(CommandError, match="try again"),
    ):
        run(write(JUNE))
    assert nothing_saved()


def test_an_issue_with_no_sections(write):
    out = run(write(MINIMAL))
    issue = Issue.objects.get()
    assert (issue.title, issue.summary, issue.sections.count()) == (
        "A quiet month",
        "Just a summary, no sections yet.",
        0,
    )
    assert "(0 sections, 0 items, 0 papers)" in out


def test_a_title_of_symbols_gets_a_slug_from_its_number(write):
    run(write("# 🤖 ✨\n\nRobots.\n"), "--number", 7)
    assert Issue.objects.get().slug == "issue-7"
