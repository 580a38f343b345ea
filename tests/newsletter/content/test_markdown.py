"""The one markdown function: safe, valid and accessible HTML whatever the input."""

import re
from html.parser import HTMLParser

import pytest

from newsletter.content.markdown import render

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<object data=x></object><embed src=x>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    "[click](javascript:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name=x></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<div onmouseover="alert(1)">hover</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "<!--<img src=x onerror=alert(1)>-->",
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "`<script>` in code is text",
]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_hostile_input_yields_no_script_handler_or_dangerous_url(vector):
    html = render(vector)
    for tag, attrs in parse(html):
        assert tag not in {"script", "style", "iframe", "object", "embed", "svg", "math", "form",
                           "input", "meta", "base", "link", "body"}  # fmt: skip
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name != "style" or tag in {"td", "th"}, html
            if name in {"href", "src"}:
                assert re.match(r"^(https?:|mailto:|/|#|[^:]*$)", value or ""), html


def test_a_link_whose_url_was_removed_becomes_plain_text():
    assert render("[click me](javascript:alert(1))") == "<p>click me</p>"
    assert render('<a href="data:text/html,x">also</a>') == "<p>also</p>"


def test_an_image_always_has_an_alt_attribute():
    tags = parse(render("![](https://example.com/a.png) <img src='https://example.com/b.png'>"))
    images = [attrs for tag, attrs in tags if tag == "img"]
    assert len(images) == 2
    assert all("alt" in attrs for attrs in images)


def test_an_image_whose_source_was_removed_leaves_its_alt_text():
    assert render("![a chart](javascript:alert(1))") == "<p>a chart</p>"


def test_safe_links_and_schemes_are_kept():
    html = render(
        "[a](https://a.example) [b](http://b.example) [c](mailto:c@d.example) [d](/issues/)"
    )
    assert [attrs["href"] for tag, attrs in parse(html) if tag == "a"] == [
        "https://a.example",
        "http://b.example",
        "mailto:c@d.example",
        "/issues/",
    ]


def test_tables_and_fenced_code_render():
    html = render("| a | b |\n|---|--:|\n| 1 | 2 |\n\n```python\nprint('<b>')\n```")
    assert "<table>" in html and '<td class="align-right">2</td>' in html
    assert "<pre><code>print('&lt;b&gt;')\n</code></pre>" in html


def test_headings_sit_below_the_page_headings_without_gaps():
    assert render("# Big\n\n## Smaller") == "<h4>Big</h4>\n<h5>Smaller</h5>"
    assert render("## Big\n\n#### Smaller", top_heading=2) == "<h2>Big</h2>\n<h3>Smaller</h3>"
    assert render("#### a\n\n##### b\n\n###### c\n\n# d", top_heading=4) == (
        "<h5>a</h5>\n<h6>b</h6>\n<h6>c</h6>\n<h4>d</h4>"
    )


def test_raw_html_outside_the_allow_list_is_reduced_to_text():
    assert render("<div><span>kept text</span></div>") == "kept text"


def test_empty_input_renders_nothing():
    assert render("") == ""


def test_output_is_well_formed_for_unbalanced_markup():
    html = render("<b><i>unclosed <a href='https://x.example'>link")
    opened = [t for t, _ in parse(html)]
    for tag in set(opened):
        assert html.count(f"<{tag}") == html.count(f"</{tag}>"), html


def test_a_column_alignment_is_a_class_not_a_style_the_site_policy_would_block():
    html = render("| l | c | r |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")
    assert "style=" not in html
    assert '<th class="align-left">l</th>' in html
    assert '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html
    # Raw HTML cells keep only a known alignment, never another style.
    raw = render(
        '<table><tr><td style="text-align: center; color: red">x</td>'
        '<td style="color: red">y</td></tr></table>'
    )
    assert '<td class="align-center">x</td>' in raw and "<td>y</td>" in raw
