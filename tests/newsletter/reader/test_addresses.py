"""Links in content read away from the site (feeds, email) are made absolute."""

from newsletter.reader.addresses import absolute, absolutize_html

BASE = "https://news.example/"


def test_relative_links_images_and_srcsets_become_absolute():
    html = (
        '<a href="/issues/1-x/#item-a">x</a><img src="/media/a.png" alt="" '
        'srcset="/media/a-480.webp 480w, /media/a-960.webp 960w">'
    )
    assert absolutize_html(html, BASE) == (
        '<a href="https://news.example/issues/1-x/#item-a">x</a>'
        '<img src="https://news.example/media/a.png" alt="" '
        'srcset="https://news.example/media/a-480.webp 480w, '
        'https://news.example/media/a-960.webp 960w">'
    )


def test_absolute_urls_mailto_and_fragments_are_kept():
    assert absolute("https://other.example/x", BASE) == "https://other.example/x"
    assert absolute("mailto:a@b.example", BASE) == "mailto:a@b.example"
    assert absolute("#section-x", BASE) == "#section-x"
    assert absolute("", BASE) == ""
