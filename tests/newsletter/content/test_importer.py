"""Reading an issue written in markdown: the parser alone, no database."""

import re

import pytest

from newsletter.content.importer import (
    MAX_BYTES,
    IssueImportError,
    ParsedItem,
    ParsedPaper,
    arxiv_in,
    decode,
    parse_issue,
    parse_link,
    plain,
)
from newsletter.models import ARXIV_ID
from tests.helpers.markdown_issues import JUNE, MINIMAL


def issue(*sections: str, title="# Machine Learning Monthly, July", summary="A summary.") -> str:
    return "\n\n".join([title, summary, *sections]) + "\n"


def only_entry(text: str):
    (section,) = parse_issue(text).sections
    (entry,) = section.entries
    return entry


def problems(text: str) -> list[str]:
    with pytest.raises(IssueImportError) as caught:
        parse_issue(text)
    return caught.value.problems


# A whole issue -----------------------------------------------------------------------


def test_a_whole_issue_gives_its_title_summary_and_sections_in_order():
    parsed = parse_issue(JUNE)

    assert parsed.title == "Machine Learning Monthly, June: small models grow up"
    assert parsed.summary.startswith("Hello again! This month was about **compact models**")
    assert "![A stack of tiny robots reading newspapers](images/hero-june.png)" in parsed.summary
    assert [s.title for s in parsed.sections] == [
        "My work",
        "From the internet",
        "Papers & research",
        "A couple of cool things",
    ]
    assert [(len(s.items), len(s.papers)) for s in parsed.sections] == [
        (2, 0),
        (3, 0),
        (0, 4),
        (2, 0),
    ]
    assert (parsed.item_count, parsed.paper_count) == (7, 4)
    assert parsed.warnings == []


def test_section_intros_and_entries():
    work, internet, papers, cool = parse_issue(JUNE).sections

    assert work.intro == (
        "I spent most of June rewriting my evaluation harness. Two write-ups came out of it."
    )
    harness, talk = work.entries
    assert harness == ParsedItem(
        title="A tiny eval harness that fits in one file",
        url="https://example.com/blog/tiny-evals",
        source="My blog",
        body="Why I stopped reaching for a framework for evals, and what 300 lines of Python "
        "buy you.\n\n![Accuracy of four small models on my held-out set](figures/evals.png)",
        line=12,
    )
    assert talk.title == "Notes from a meetup talk on distillation"
    assert (talk.url, talk.source) == ("", "")
    # The rule closing the section is a separator, not part of the last entry.
    assert talk.body.endswith("Slides are coming soon.")
    assert papers.intro == "A mix of new and old this month."
    assert internet.intro == "Three reads worth your time:"
    assert cool.intro == ""


def test_papers_get_their_authors_links_and_bare_arxiv_ids():
    blip, scaling, attention, strings = parse_issue(JUNE).sections[2].entries

    assert blip == ParsedPaper(
        title="BLIP: Bootstrapping Language-Image Pre-training",
        authors="Junnan Li, Dongxu Li, Caiming Xiong, Steven Hoi",
        arxiv_id="2201.12086",
        paper_url="https://arxiv.org/abs/2201.12086",
        code_url="https://github.com/salesforce/BLIP",
        demo_url="https://example.com/blip-demo",
        summary="It captions noisy web image–text pairs, filters out the bad captions and "
        "trains again on\nthe cleaner set. A simple loop that keeps paying off.",
        line=42,
    )
    # A versioned PDF link: the id keeps the version it names, the link is kept as written.
    assert scaling.arxiv_id == "2001.08361v1"
    assert scaling.paper_url == "https://arxiv.org/pdf/2001.08361v1.pdf"
    assert scaling.authors.startswith("Jared Kaplan, Sam McCandlish")
    # `arXiv:` with a version under a plain heading: no link, the id keeps its version.
    assert attention.arxiv_id == "1706.03762v7"
    assert attention.paper_url == ""
    assert attention.summary.startswith("Still the one to start from")
    # An old-style id named in the text.
    assert strings.arxiv_id == "hep-th/9901001"
    assert strings.paper_url == "https://arxiv.org/abs/hep-th/9901001"
    assert "[the preprint](https://arxiv.org/abs/hep-th/9901001)" in strings.summary


def test_link_bullets_in_a_section_without_entries_are_one_item_each():
    internet = parse_issue(JUNE).sections[1]
    kv, wiki, quant = internet.entries

    assert (kv.title, kv.url) == (
        "The illustrated guide to KV caching",
        "https://example.org/kv-cache",
    )
    assert kv.body == (
        "a clear walkthrough,\nwith diagrams, of why generation gets faster after the first token."
    )
    # Parentheses inside a URL stay in it.
    assert wiki.url == "https://en.wikipedia.org/wiki/Transformer_(deep_learning_architecture)"
    assert wiki.body == "the encyclopedia article had a big rewrite."
    assert wiki.title == "Transformers"
    assert quant.title == "A field guide to quantisation"
    assert quant.body == (
        "int8, int4 and the odd ones.\n\nWorth bookmarking before your next deployment."
    )


def test_pictures_whose_files_are_elsewhere_are_listed_and_kept_in_the_text():
    parsed = parse_issue(JUNE)

    assert [(p.src, p.alt, p.where) for p in parsed.pictures] == [
        ("images/hero-june.png", "A stack of tiny robots reading newspapers", "the summary"),
        (
            "figures/evals.png",
            "Accuracy of four small models on my held-out set",
            "“A tiny eval harness that fits in one file”",
        ),
    ]


def test_an_issue_with_only_a_title_and_summary():
    parsed = parse_issue(MINIMAL)
    assert (parsed.title, parsed.summary, parsed.sections) == (
        "A quiet month",
        "Just a summary, no sections yet.",
        [],
    )


# arXiv -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "arxiv_id"),
    [
        ("https://arxiv.org/abs/2201.12086", "2201.12086"),
        ("https://arxiv.org/abs/2201.12086v2", "2201.12086v2"),
        ("https://arxiv.org/pdf/2201.12086", "2201.12086"),
        ("https://arxiv.org/pdf/2201.12086v3.pdf", "2201.12086v3"),
        ("http://export.arxiv.org/abs/2310.06825", "2310.06825"),
        ("https://www.arxiv.org/html/2310.06825v1", "2310.06825v1"),
        ("https://arxiv.org/abs/0704.0001", "0704.0001"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/pdf/hep-th/9901001v2.pdf", "hep-th/9901001v2"),
        ("https://arxiv.org/abs/math.GT/0309136", "math.GT/0309136"),
        ("https://arxiv.org/abs/cond-mat/0102536v1", "cond-mat/0102536v1"),
    ],
)
def test_arxiv_links_in_a_heading(written, arxiv_id):
    paper = only_entry(issue(f"## Papers & research\n\n### [A paper]({written})\n\nWhy."))

    assert isinstance(paper, ParsedPaper)
    assert paper.arxiv_id == arxiv_id
    assert paper.paper_url == written
    ARXIV_ID(paper.arxiv_id)  # what the model accepts


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("see arXiv:2201.12086 for details", ("2201.12086", "")),
        ("arXiv: 2201.12086v2.", ("2201.12086v2", "")),
        ("(ARXIV:hep-th/9901001)", ("hep-th/9901001", "")),
        ("arxiv.org/abs/2201.12086", ("2201.12086", "https://arxiv.org/abs/2201.12086")),
        ("ids like 2201.12086 alone are just numbers", None),
        ("https://example.com/abs/2201.12086", None),
        ("https://notarxiv.org/abs/2201.12086", None),
        ("arXiv:22011.2086", None),
        ("arXiv:2201.123456", None),
    ],
)
def test_what_names_an_arxiv_paper(text, found):
    assert arxiv_in(text) == found


def test_an_arxiv_mention_in_the_body_makes_a_paper():
    paper = only_entry(
        issue(
            "## Papers & research\n\n### [A thread about BLIP](https://example.com/thread)\n\n"
            "Read alongside arXiv:2201.12086, which it explains well."
        )
    )
    assert isinstance(paper, ParsedPaper)
    assert paper.arxiv_id == "2201.12086"
    assert paper.paper_url == "https://example.com/thread"


def test_an_arxiv_line_under_the_heading_is_metadata():
    paper = only_entry(issue("## Papers\n\n### Mistral 7B\narXiv: 2310.06825\n\nA small one."))
    assert (paper.arxiv_id, paper.paper_url, paper.summary) == ("2310.06825", "", "A small one.")


def test_authors_or_a_paper_link_make_a_paper_without_arxiv():
    papers = parse_issue(
        issue(
            "## Papers\n\n"
            "### [A workshop paper](https://openreview.net/forum?id=abc123)\n"
            "Authors: Ada Lovelace, Alan Turing\n\nNot on arXiv yet.\n\n"
            "### A journal paper\nPaper: <https://example.org/journal/42.pdf>\n\nIn print."
        )
    ).sections[0]
    workshop, journal = papers.entries
    assert isinstance(workshop, ParsedPaper) and isinstance(journal, ParsedPaper)
    assert (workshop.arxiv_id, workshop.authors) == ("", "Ada Lovelace, Alan Turing")
    assert workshop.paper_url == "https://openreview.net/forum?id=abc123"
    assert journal.paper_url == "https://example.org/journal/42.pdf"


# Entries -----------------------------------------------------------------------------


def test_metadata_lines_in_the_ways_people_write_them():
    item = only_entry(
        issue(
            "## From the internet\n\n"
            "### **[Why RLHF works](https://example.com/rlhf)**\n\n"
            "**Source:** [The Gradient](https://thegradient.pub)\n\n"
            "A long read."
        )
    )
    assert (item.title, item.url, item.source, item.body) == (
        "Why RLHF works",
        "https://example.com/rlhf",
        "The Gradient",
        "A long read.",
    )


def test_a_value_that_does_not_fit_its_key_stays_in_the_text():
    paper = only_entry(
        issue(
            "## Papers\n\n### [A paper](https://arxiv.org/abs/2401.00001)\n"
            "Code: coming soon, the authors say\n\nMore later."
        )
    )
    assert paper.code_url == ""
    assert paper.summary == "Code: coming soon, the authors say\n\nMore later."


def test_what_an_item_has_no_field_for_stays_in_its_body():
    item = only_entry(
        issue(
            "## Cool things\n\n### [A drawing robot](https://example.com/robot)\n"
            "Source: A maker's blog\nCode: https://github.com/example/robot\n"
            "Link: https://example.com/elsewhere\n\nIt draws."
        )
    )
    assert isinstance(item, ParsedItem)
    assert item.source == "A maker's blog"
    assert item.url == "https://example.com/robot"
    assert item.body == (
        "Code: https://github.com/example/robot\nLink: https://example.com/elsewhere\n\nIt draws."
    )


def test_a_link_line_gives_a_plain_heading_its_url():
    item = only_entry(issue("## Reads\n\n### A good read\nLink: https://example.com/read\n\nYes."))
    assert (item.title, item.url, item.body) == ("A good read", "https://example.com/read", "Yes.")


def test_titles_are_plain_text():
    parsed = parse_issue(
        issue(
            "## **Papers** & `research` ##\n\n### Why *sparse* attention \\*still\\* wins",
            title="# [ML Monthly](https://example.com), **issue 9** #",
        )
    )
    assert parsed.title == "ML Monthly, issue 9"
    assert parsed.sections[0].title == "Papers & research"
    assert parsed.sections[0].entries[0].title == "Why sparse attention *still* wins"


def test_items_and_papers_keep_the_order_they_were_written_in():
    section = parse_issue(
        issue(
            "## From the internet\n\n### [A post](https://example.com/a)\n\nOne.\n\n"
            "### [A paper](https://arxiv.org/abs/2305.18290)\n\nTwo.\n\n"
            "### [Another post](https://example.com/b)\n\nThree."
        )
    ).sections[0]
    assert [(e.kind, e.title) for e in section.entries] == [
        ("item", "A post"),
        ("paper", "A paper"),
        ("item", "Another post"),
    ]


def test_deeper_headings_and_text_after_the_entries_belong_to_the_last_entry():
    entry = only_entry(
        issue("## My work\n\n### A project\n\nIntro.\n\n#### What went wrong\n\nEverything.")
    )
    assert entry.body == "Intro.\n\n#### What went wrong\n\nEverything."


def test_headings_inside_code_blocks_are_text():
    parsed = parse_issue(
        issue(
            "## My work\n\n### A shell trick\n\n```bash\n# not a title\n## not a section\n"
            "### not an entry\n```\n\nDone."
        )
    )
    (section,) = parsed.sections
    (entry,) = section.entries
    assert "## not a section" in entry.body and entry.body.endswith("Done.")


def test_an_unclosed_code_block_is_reported():
    parsed = parse_issue(issue("## My work\n\n### Code\n\n~~~\nprint('hi')\n\n## Not a section"))
    assert len(parsed.sections) == 1
    assert any("never closed" in warning for warning in parsed.warnings)


def test_a_second_title_and_an_early_entry_heading_are_kept_as_text_with_a_warning():
    parsed = parse_issue(
        "# The title\n\nSummary.\n\n### Not yet an entry\n\nStill summary.\n\n"
        "## Section\n\n# Another title\n\nIntro."
    )
    assert parsed.summary == "Summary.\n\n### Not yet an entry\n\nStill summary."
    assert parsed.sections[0].intro == "# Another title\n\nIntro."
    assert len(parsed.warnings) == 2
    assert "line 5" in parsed.warnings[0].lower() and "line 11" in parsed.warnings[1].lower()


# Bullets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bullet",
    [
        "- **[A lamp](https://example.com/lamp)** — commentary here",
        "- **[A lamp](https://example.com/lamp)** – commentary here",
        "- **[A lamp](https://example.com/lamp)** - commentary here",
        "- **[A lamp](https://example.com/lamp)**: commentary here",
        "- **[A lamp](https://example.com/lamp):** commentary here",
        "* [A lamp](https://example.com/lamp) — commentary here",
        "+ __[A lamp](https://example.com/lamp)__ — commentary here",
        "- [**A lamp**](https://example.com/lamp): commentary here",
    ],
)
def test_link_bullet_forms(bullet):
    item = only_entry(issue(f"## A couple of cool things\n\n{bullet}"))
    assert (item.title, item.url, item.body) == (
        "A lamp",
        "https://example.com/lamp",
        "commentary here",
    )


def test_bullets_without_links_stay_text():
    section = parse_issue(
        issue("## Cool things\n\n- a note to self\n- **bold** but no link\n\nThat's all.")
    ).sections[0]
    assert section.entries == []
    assert section.intro == "- a note to self\n- **bold** but no link\n\nThat's all."


def test_link_bullets_in_a_section_with_entries_stay_in_its_intro():
    section = parse_issue(
        issue(
            "## Reads\n\nLast month's favourites:\n\n- **[Old](https://example.com/old)** — yes\n\n"
            "### [New](https://example.com/new)\n\nThis month."
        )
    ).sections[0]
    assert [e.title for e in section.entries] == ["New"]
    assert "- **[Old](https://example.com/old)** — yes" in section.intro


def test_a_bullet_naming_an_arxiv_paper_is_a_paper_and_nested_bullets_are_its_text():
    first, second = (
        parse_issue(
            issue(
                "## Quick links\n\n"
                "- **[DPO](https://arxiv.org/abs/2305.18290v3)** — no reward model needed\n"
                "  - works with small models too\n"
                "- **[A blog](https://example.com/blog)**\n\nA closing line."
            )
        )
        .sections[0]
        .entries
    )
    assert isinstance(first, ParsedPaper)
    assert first.arxiv_id == "2305.18290v3"
    assert first.summary == "no reward model needed\n- works with small models too"
    assert isinstance(second, ParsedItem)
    assert second.body == "A closing line."


# Pictures ----------------------------------------------------------------------------


def test_only_pictures_not_on_the_web_or_this_site_are_listed():
    parsed = parse_issue(
        issue(
            "## My work\n\n### Figures\n\n![Local](fig/a.png) ![Remote](https://example.com/b.png)"
            ' ![Uploaded](/media/images/2025/06/c.png) ![](fig/no-alt.png "A title")'
        )
    )
    assert [p.src for p in parsed.pictures] == ["fig/a.png", "fig/no-alt.png"]
    assert any("fig/no-alt.png" in w and "no alt text" in w for w in parsed.warnings)


# Bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n\t\n", "\ufeff"])
def test_empty_text_is_refused(text):
    (problem,) = problems(text)
    assert "empty" in problem


def test_text_without_a_title_is_refused():
    (problem,) = problems("Some notes\n\n### An entry\n\nText.")
    assert "no title" in problem and "“# ”" in problem


def test_a_section_before_the_title_is_refused_naming_it():
    (problem,) = problems("## My work\n\n# The title")
    assert "“My work” on line 1" in problem


def test_an_empty_title_is_refused():
    (problem,) = problems("#   \n\n## Section")
    assert "title" in problem and "empty" in problem


def test_nul_characters_are_refused():
    (problem,) = problems("# Title\x00\n")
    assert "NUL" in problem


def test_text_over_the_limit_is_refused_saying_the_limit():
    (problem,) = problems("# Big\n\n" + "word " * (MAX_BYTES // 5 + 10))
    assert "1 MB" in problem


def test_over_long_values_and_bad_urls_are_all_reported_naming_the_entry():
    found = problems(
        issue(
            "## From the internet\n\n"
            f"### {'A very long title ' * 20}\n\n"
            "### [Sneaky](javascript:alert(1))\n\n"
            f"### [Long link](https://example.com/{'a' * 1000})\n\n"
            "### [No scheme](example.com/page)\n\n"
            "## Papers\n\n"
            f"### [{'P' * 501}](https://arxiv.org/abs/2201.12086)\n"
            f"Authors: {'Someone, ' * 120}\n",
            title=f"# {'T' * 201}",
        )
    )
    text = "\n".join(found)
    assert "The issue title: Title: Ensure this value has at most 200 characters (it has 201)" in (
        text
    )
    assert re.search(r"Line 7, entry “A very long title.*” in “From the internet”: Title: "
                     r"Ensure this value has at most 300 characters", text)  # fmt: skip
    assert "Line 9, entry “Sneaky” in “From the internet”: URL: Enter a valid URL." in text
    assert "Line 11, entry “Long link” in “From the internet”: URL: Ensure this value has at " in (
        text
    )
    assert "Line 13, entry “No scheme” in “From the internet”: URL: Enter a valid URL." in text
    assert re.search(r"paper “P+…” in “Papers”: Title: Ensure this value has at most 500", text)
    assert re.search(r"paper “P+…” in “Papers”: Authors: Ensure this value has at most 1000", text)


def test_an_empty_entry_heading_is_refused():
    (problem,) = problems(issue("## Section\n\n###\n\nText."))
    assert problem == "Line 7: an entry in “Section” has no title."


# Bytes and inline markdown -----------------------------------------------------------


def test_decode_accepts_utf8_with_a_bom_and_any_line_endings():
    text = decode("\ufeff# Café\r\n\r\nÜber alles.\r## S\r".encode())
    parsed = parse_issue(text)
    assert (parsed.title, parsed.summary, parsed.sections[0].title) == ("Café", "Über alles.", "S")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"# Title\n\x00\x01\x02", "NUL bytes"),
        ("# Caf\u00e9".encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes"),
        (b"#" * (10 * 1024 * 1024), "is 10.0 MB; the largest issue that can be imported is 1 MB"),
    ],
)
def test_decode_refuses_binary_and_big_files(data, says):
    with pytest.raises(IssueImportError) as caught:
        decode(data, what="The file june.md")
    assert says in str(caught.value)
    assert str(caught.value).startswith("The file june.md")


def test_parse_link_handles_nesting_and_titles():
    text = '[A [nested] title](https://example.com/a_(b)_c "Hover") tail'
    assert parse_link(text) == (
        "A [nested] title",
        "https://example.com/a_(b)_c",
        text.index(" tail"),
    )
    assert parse_link("[no url] here") is None
    assert parse_link("[unclosed](https://example.com") is None
    assert parse_link("[angle](<https://example.com/a b>)") == (
        "angle",
        "https://example.com/a b",
        34,
    )


def test_plain_keeps_words_and_drops_markup():
    assert plain("**Bold** and _it_ with [a link](https://x.org) and `code`") == (
        "Bold and it with a link and code"
    )
    assert plain("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"
