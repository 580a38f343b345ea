"""Reading a page's title, site name, description and picture from odd real-world markup."""

import pytest

from curation.page_metadata import decode, read_metadata

PAGE = "https://www.example.com/blog/post"


def test_opengraph_wins_over_title_and_description():
    html = """<!doctype html><html><head>
    <title>Post | Example</title>
    <meta name="description" content="Plain description">
    <meta property="og:title" content="The real title">
    <meta property="og:site_name" content="Example Blog">
    <meta property="og:description" content="OG description">
    <meta property="og:image" content="https://cdn.example.com/p.png">
    </head><body></body></html>"""
    meta = read_metadata(html, PAGE)
    assert meta.title == "The real title"
    assert meta.site_name == "Example Blog"
    assert meta.description == "OG description"
    assert meta.image_url == "https://cdn.example.com/p.png"


@pytest.mark.parametrize(
    ("html", "field", "expected"),
    [
        ("<META PROPERTY='og:title' CONTENT='Shouting'>", "title", "Shouting"),
        ("<meta property=og:title content=Unquoted>", "title", "Unquoted"),
        ('<meta name="og:title" content="In name">', "title", "In name"),
        ('<meta content="Content first" property="og:title">', "title", "Content first"),
        ('<meta property="og:title" content="Tom &amp; Jerry &#8212; ok">', "title",
         "Tom & Jerry — ok"),
        ("<title>\n   Spread\n   over   lines </title>", "title", "Spread over lines"),
        ("<title></title><title>Second</title>", "title", "Second"),
        ('<meta property="og:title" content=""><title>Fallback</title>', "title", "Fallback"),
        ('<meta property="og:title" content="First"><meta property="og:title" content="Dup">',
         "title", "First"),
        ("<body><meta property='og:title' content='In body'></body>", "title", "In body"),
        ('<meta property="og:image" content="/img/a.png">', "image_url",
         "https://www.example.com/img/a.png"),
        ('<meta property="og:image" content="//cdn.example.net/b.jpg">', "image_url",
         "https://cdn.example.net/b.jpg"),
        ('<meta property="og:image" content="javascript:alert(1)">', "image_url", ""),
        ('<meta property="og:image:secure_url" content="https://x.org/s.png">', "image_url",
         "https://x.org/s.png"),
        ('<meta name="twitter:image" content="https://x.org/t.png">', "image_url",
         "https://x.org/t.png"),
        ('<meta name="twitter:description" content="Tweet text">', "description", "Tweet text"),
        ('<meta name="Description" content="Mixed case name">', "description", "Mixed case name"),
        ("<title>No site name</title>", "site_name", "example.com"),
        ('<link rel="Canonical" href="/blog/post-canonical">', "canonical_url",
         "https://www.example.com/blog/post-canonical"),
        ("<title>Unclosed title", "title", "Unclosed title"),
        ("<<<>>><meta property='og:title' content='After junk'>", "title", "After junk"),
        ("<title>" + "long " * 200 + "</title>", "title", ("long " * 60).strip()[:299] + "…"),
    ],
)  # fmt: skip
def test_odd_markup(html, field, expected):
    assert getattr(read_metadata(html, PAGE), field) == expected


def test_an_empty_page_gives_only_the_host_as_site_name():
    meta = read_metadata("", PAGE)
    assert (meta.title, meta.description, meta.image_url, meta.site_name) == (
        "", "", "", "example.com"
    )  # fmt: skip


def test_charsets_from_http_then_meta_then_utf8():
    text = "<title>Café</title>"
    assert decode(text.encode("latin-1"), "iso-8859-1") == text
    meta_declared = '<meta charset="windows-1252"><title>Café</title>'
    assert "Café" in decode(meta_declared.encode("cp1252"), None)
    assert decode(text.encode(), None) == text
    assert "Caf" in decode(text.encode(), "no-such-charset")
