"""The markdown function's cost is bounded: no text holds a worker for minutes.

Python-Markdown walks from each `[`, `![` or `[text](` that never closes to the end of
the paragraph, so 20,000 of them took minutes. These tests count the characters its
link parsers walk, which says the same without timing anything.
"""

import threading

import pytest
from markdown import inlinepatterns

from newsletter.content import markdown
from newsletter.content.markdown import (
    MAX_CHARS,
    MarkdownRefused,
    MarkdownTooDeep,
    MarkdownTooLong,
    render,
)


@pytest.fixture
def scanned(monkeypatch):
    """How many characters the stock link parsers walk while rendering."""
    walked = {"chars": 0}
    stock = inlinepatterns.LinkInlineProcessor
    get_text, get_link = stock.getText, stock.getLink

    def counted_text(self, data, index):
        text, end, handled = get_text(self, data, index)
        walked["chars"] += end - index  # it stops at the closing bracket, or the end
        return text, end, handled

    def counted_link(self, data, index):
        walked["chars"] += len(data) - index  # at most
        return get_link(self, data, index)

    monkeypatch.setattr(stock, "getText", counted_text)
    monkeypatch.setattr(stock, "getLink", counted_link)
    return walked


SHAPES = {
    "[": "[",
    "![": "![",
    "[a](": "[a](",
    "[x": "[x ",  # openers apart: not one run
    "[a](x 'y)": "[a](x 'y) ",  # a quote the link parser follows to the end
    "![a](": "![a](",
}


@pytest.mark.parametrize("unit", SHAPES.values(), ids=SHAPES.keys())
def test_the_link_parsers_walk_a_bounded_multiple_of_the_text(scanned, unit):
    text = unit * (12_000 // len(unit))

    html = render(text)

    assert html.startswith("<p>") and html.endswith("</p>")
    assert scanned["chars"] <= 20 * len(text) + 100_000


@pytest.mark.parametrize(
    ("unit", "count"), [("[", 20_000), ("![", 20_000), ("[a](", 20_000), ("[", 60_000)]
)
def test_unclosed_brackets_come_out_as_escaped_text(unit, count):
    text = unit * count
    assert render(text) == f"<p>{text}</p>"
    hostile = render(text + '<img src=x onerror="alert(1)"> [x](javascript:alert(1))')
    assert "onerror" not in hostile and "javascript" not in hostile


def test_links_after_a_hostile_run_are_still_links():
    html = render("[" * 30_000 + " [ok](https://example.com/a)\n\n[next](https://example.com/b)")

    assert '<a href="https://example.com/a">ok</a>' in html
    assert '<a href="https://example.com/b">next</a>' in html


def test_links_in_a_paragraph_that_used_up_its_budget_are_still_links():
    html = render("[x " * 20_000 + "[ok](https://example.com/a 'Title (1)') ![pic](/p.png)")

    assert '<a href="https://example.com/a" title="Title (1)">ok</a>' in html
    assert 'src="/p.png"' in html


def test_raw_html_that_never_closes_is_text(monkeypatch):
    text = "<http://" * 10_000
    assert render(text) == "<p>" + text.replace("<", "&lt;") + "</p>"


def test_a_line_of_list_markers_too_deep_to_parse_is_refused_with_a_clear_message():
    with pytest.raises(MarkdownTooDeep) as refused:
        render("1. " * 600)
    assert "too deeply" in str(refused.value)
    assert isinstance(refused.value, MarkdownRefused)
    assert isinstance(refused.value, ValueError)


def test_a_text_over_the_limit_is_refused_with_a_clear_message():
    assert render("a" * MAX_CHARS).startswith("<p>aaa")
    with pytest.raises(MarkdownTooLong) as refused:
        render("a" * (MAX_CHARS + 1))
    assert str(refused.value) == (
        "This text is 100,001 characters long, and one field can hold at most 100,000. "
        "Shorten it, or split it across several items."
    )


ORDINARY = [
    'A [link](https://example.com) and ![a chart](/media/c.png "Chart") in *one* line.',
    "[Nested [brackets] in text](https://example.com/x_(y)) and [ref][r]\n\n[r]: https://r.example",
    "Stray [ and ] and [unclosed, then [fine](/ok) and `code [with](brackets)`.",
    "| a | b |\n|---|---|\n| [x](/x) | 2 |\n\n```\n[not](a link)\n```",
    "# Title\n\nSome text\n===\n\n* * *\n\n- one\n- two [three](/3 'T (3)')\n\n> quote [q](/q)",
    '<kbd>Ctrl</kbd> and <sup>2</sup>, <a href="https://e.com">raw</a> and <http://auto.example>',
    "[a](x \"ti)tle\") and [b](<url with spaces> 'T')",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_renders_exactly_as_python_markdown_renders_it(monkeypatch, text):
    bounded = render(text)
    monkeypatch.setattr(markdown._Bounds, "extendMarkdown", lambda self, md: None)
    monkeypatch.setattr(markdown._instances, "md", None)  # built again, without the bounds
    assert bounded == render(text)


def test_a_long_ordinary_text_renders_exactly_as_python_markdown_renders_it(monkeypatch):
    body = "\n\n".join(ORDINARY) * 30
    assert 10_000 < len(body) < MAX_CHARS
    bounded = render(body)
    monkeypatch.setattr(markdown._Bounds, "extendMarkdown", lambda self, md: None)
    monkeypatch.setattr(markdown._instances, "md", None)  # built again, without the bounds
    assert bounded == render(body)


# One instance per thread, reset between texts


def fresh(text: str) -> str:
    """`text` rendered by a Markdown instance of its own."""
    markdown._instances.md = None
    return render(text)


def test_a_reused_instance_renders_each_text_as_a_fresh_one_would():
    texts = [
        *ORDINARY,
        "[x " * 20_000 + "[ok](https://example.com/a)",  # spends the whole scan budget
        "[r]\n\nwithout its definition: [r] stays text",
        "<div>\nraw block\n</div>\n\nafter",
        "```\nfenced\n```",
    ]
    alone = [fresh(text) for text in texts]

    markdown._instances.md = None
    in_turn = [render(text) for text in texts * 2]

    assert in_turn == alone * 2


def test_a_reference_defined_in_one_text_is_not_a_link_in_the_next():
    assert "<a" in render("[r]\n\n[r]: https://r.example")
    assert "<a" not in render("[r]")


def test_after_a_text_too_deep_to_parse_the_next_text_renders_as_usual():
    expected = fresh("- one\n- two\n\n> quote")
    with pytest.raises(MarkdownTooDeep):
        render("1. " * 600)
    assert render("- one\n- two\n\n> quote") == expected


def test_each_thread_renders_with_an_instance_of_its_own():
    seen = []

    def work():
        render("*a*")
        seen.append(markdown._instances.md)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    render("*a*")
    assert len({id(md) for md in [*seen, markdown._instances.md]}) == 3
