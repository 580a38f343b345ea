"""A title with markup in it reaches feed readers as the words the editor typed.

RSS 2.0 and Atom titles are plain text: the XML escapes `<` once, so a reader shows
`<script>` as those eight characters and runs nothing. (A report of a `<script>` in the
RSS title was this: the parsed title's text, not markup in the feed.) What readers do
show as HTML — the RSS description and content:encoded, Atom's type="html" summary and
content — is the sanitised markdown, checked by test_xss_corpus.py.
"""

import feedparser
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TITLE = "<script>alert(1)</script> & <b>bold</b> </title><img src=x onerror=alert(1)>"


@pytest.mark.parametrize("name", ["newsletter:feed-rss", "newsletter:feed-atom"])
def test_a_title_with_markup_is_plain_text_in_the_feed(client, published, name):
    published(1, title=TITLE)

    body = client.get(reverse(name)).content.decode()

    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in body
    [entry] = feedparser.parse(body).entries
    assert entry.title_detail["type"] == "text/plain"
    assert entry.title == f"#1 {TITLE}"
