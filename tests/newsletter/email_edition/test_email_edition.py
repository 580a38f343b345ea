"""The email edition: inlined HTML and plain text of a live issue, for any mailing tool."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from newsletter.email_edition.edition import email_html
from newsletter.email_edition.plain_text import email_text, html_to_text
from newsletter.models import Item, Revision, Section
from tests.helpers.reader import PUBLISHED_CACHE_CONTROL, make_image
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

BASE = "https://news.example/"
# Inline formatting inherits its look from the block around it; table rows hold no text.
UNSTYLED_TAGS = {
    "html", "head", "meta", "title", "style", "b", "strong", "em", "i", "s", "del", "sub",
    "sup", "abbr", "kbd", "span", "br", "tbody", "thead", "tfoot", "tr",
}  # fmt: skip


class Tags(HTMLParser):
    """Every start tag of a document, with its attributes, in order."""

    def __init__(self, document: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(document)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def named(self, name):
        return [attrs for tag, attrs in self.tags if tag == name]


RICH_BODY = """\
Read [the write-up](/issues/) and [the section above](#section-my-work), or mail
[the author](mailto:author@example.com).

![A chart of loss against steps](/media/images/2024/05/chart.jpg)

- first point
- second point

1. step one
2. step two

> A quoted line that says something wise.

```
print("hello")
```

| Model | Params |
| --- | --- |
| Tiny | 1B |
"""


@pytest.fixture
def rich_issue(make_issue):
    """An issue with a hero, pictures, a paper with every link and rich markdown."""
    hero = make_image(
        "hero", caption="The lab at dawn", credit="Ada", credit_url="https://ada.example/"
    )
    make_image("chart", width=800, height=400, alt_text="A chart of loss against steps")
    issue = make_issue(hero_image=hero)
    section = Section.objects.get(issue=issue, title="My work")
    Item.objects.create(
        section=section,
        title="A long read on evals",
        url="https://example.com/evals",
        body=RICH_BODY + "\n" + "This sentence keeps going on and on " * 8,
        image=make_image("evals", alt_text="A bar chart of eval scores"),
        position=2,
    )
    paper = section.issue.sections.get(title="Papers & research").papers.get()
    paper.code_url = "https://github.com/example/transformer"
    paper.demo_url = "https://demo.example/transformer"
    paper.save()
    publish(issue)
    return issue


def live_revision(issue) -> Revision:
    return Revision.objects.live().get(issue=issue)


def email_url(issue, name="newsletter:issue-email"):
    return reverse(name, kwargs={"number": issue.number, "slug": issue.slug})


# The HTML version


def test_every_element_of_the_email_html_carries_its_style_inline(rich_issue):
    document = email_html(live_revision(rich_issue), base=BASE)

    tags = Tags(document).tags
    body = [(tag, attrs) for tag, attrs in tags if tag not in UNSTYLED_TAGS]
    assert len(body) > 40
    unstyled = [(tag, attrs) for tag, attrs in body if not attrs.get("style")]
    assert unstyled == []
    # What stays in <style> is only what cannot be inlined: dark mode and narrow screens.
    styles = re.findall(r"<style[^>]*>(.*?)</style>", document, re.S)
    assert len(styles) == 1
    assert re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", styles[0]).strip() == ""


def test_the_email_html_is_a_600_pixel_document_with_no_script_or_srcset(rich_issue):
    document = email_html(live_revision(rich_issue), base=BASE)

    assert document.startswith("<!DOCTYPE html>")
    assert document.index('<meta charset="utf-8">') < 100
    assert "<script" not in document.lower()
    assert "srcset" not in document
    assert "sizes=" not in document
    assert 'loading="lazy"' not in document
    assert Tags(document).named("table")[1]["width"] == "600"
    assert "max-width: 600px" in Tags(document).named("table")[1]["style"]


def test_every_link_and_picture_in_the_email_html_is_absolute(rich_issue):
    document = email_html(live_revision(rich_issue), base=BASE)
    tags = Tags(document)

    urls = [attrs[name] for _, attrs in tags.tags for name in ("href", "src") if name in attrs]
    assert len(urls) > 15
    assert [url for url in urls if not url.startswith(("http://", "https://", "mailto:"))] == []
    hrefs = {attrs["href"] for attrs in tags.named("a")}
    assert "https://news.example/issues/" in hrefs
    # A link within the page points at the page on the web.
    assert "https://news.example/issues/1-issue-1/#section-my-work" in hrefs


def test_every_picture_in_the_email_html_has_alt_text_a_width_and_one_source(rich_issue):
    document = email_html(live_revision(rich_issue), base=BASE)
    images = Tags(document).named("img")

    assert len(images) == 3
    for image in images:
        assert image["alt"]
        assert int(image["width"]) <= 600
    hero, evals, chart = images
    assert hero == {
        "class": "figure-img",
        # Pictures stored before email renditions existed: their JPEG original, never WebP.
        "src": "https://news.example/media/images/2024/05/hero.jpg",
        "width": "600",
        "height": "338",
        "alt": "A picture of hero",
        "style": hero["style"],
    }
    assert evals["src"] == "https://news.example/media/images/2024/05/evals.jpg"
    # A picture dropped into markdown narrower than 960 px keeps its original file.
    assert chart["src"] == "https://news.example/media/images/2024/05/chart.jpg"
    assert (chart["width"], chart["height"], chart["alt"]) == (
        "600",
        "300",
        "A chart of loss against steps",
    )


def test_the_email_html_shows_the_whole_issue_with_a_link_to_the_web(rich_issue):
    document = email_html(live_revision(rich_issue), base=BASE)
    tags = Tags(document)

    first_link = tags.named("a")[0]
    assert first_link["href"] == "https://news.example/issues/1-issue-1/"
    assert "View this issue on the web</a>" in document
    assert re.search(r"<h1[^>]*>Small models, big ideas</h1>", document)
    assert "A month of <strong" in document
    for heading in ("My work", "Papers &amp; research"):
        assert re.search(rf"<h2[^>]*>{heading}</h2>", document)
    assert re.search(
        r'href="https://example.com/laptop"[^>]*>Fine-tuning on a laptop</a>', document
    )
    assert "Ashish Vaswani, Noam Shazeer, Niki Parmar, et al." in document
    hrefs = [attrs["href"] for attrs in tags.named("a")]
    for url in (
        "https://arxiv.org/abs/1706.03762",
        "https://github.com/example/transformer",
        "https://demo.example/transformer",
        "https://ada.example/",
    ):
        assert url in hrefs
    assert "The lab at dawn" in document
    assert "Machine Learning Monthly" in document.split("You are reading")[1]


def test_a_hostile_title_and_summary_are_escaped_in_html_and_plain_in_text(make_issue):
    issue = make_issue(
        title="Tags <b>& more",
        summary="Hello <script>alert('x')</script> <img src=x onerror=alert(1)> **world**",
    )
    publish(issue)
    revision = live_revision(issue)

    document = email_html(revision, base=BASE)
    text = email_text(revision, base=BASE)

    assert "Tags &lt;b&gt;&amp; more" in document
    assert "<b>&" not in document
    assert "<script" not in document and "onerror" not in document
    assert "alert(" not in document
    assert "Tags <b>& more\n==============\n" in text
    assert "&lt;" not in text and "&amp;" not in text
    assert "<script" not in text and "alert(" not in text


# The plain-text version


def test_the_plain_text_has_title_headings_items_links_and_image_alt_text(rich_issue):
    text = email_text(live_revision(rich_issue), base=BASE)

    assert "View this issue on the web: https://news.example/issues/1-issue-1/" in text
    assert "Small models, big ideas\n=======================\n" in text
    assert "My work\n-------\n" in text
    assert "Papers & research\n-----------------\n" in text
    assert "Fine-tuning on a laptop\n~~~~~~~~~~~~~~~~~~~~~~~\nhttps://example.com/laptop\n" in text
    assert "A tiny eval harness" in text
    assert "A month of compact models." in text
    assert "[Image: A picture of hero]\nThe lab at dawn\nCredit: Ada (https://ada.example/)" in text
    assert "[Image: A chart of loss against steps]" in text
    words = " ".join(text.split())
    assert "the write-up (https://news.example/issues/)" in words
    assert "the section above (https://news.example/issues/1-issue-1/#section-my-work)" in words
    assert "the author (author@example.com)" in words
    assert "arXiv:1706.03762: https://arxiv.org/abs/1706.03762" in text
    assert "Code: https://github.com/example/transformer" in text
    assert "Demo: https://demo.example/transformer" in text
    assert "<" not in text.replace("<b>", "")


def test_the_plain_text_is_wrapped_at_72_characters(rich_issue):
    text = email_text(live_revision(rich_issue), base=BASE)

    assert "This sentence keeps going on and on This sentence" in text
    assert max(len(line) for line in text.splitlines() if "http" not in line) <= 72
    assert "\n\n\n" not in text


def test_html_to_text_writes_lists_quotes_code_tables_and_breaks_as_plain_text():
    html = (
        "<h3>Notes</h3><p>One<br>two &amp; <code>three</code></p>"
        "<ul><li>first</li><li>second<ul><li>nested</li></ul></li></ul>"
        '<ol start="3"><li>third</li><li>fourth</li></ol>'
        "<blockquote><p>Wise words.</p></blockquote>"
        "<pre><code>if x:\n    y()\n</code></pre>"
        '<p><a href="https://a.example/">https://a.example/</a> and '
        '<img src="https://a.example/p.png" alt="a plot"></p>'
        "<table><thead><tr><th>Model</th><th>Params</th></tr></thead>"
        "<tbody><tr><td>Tiny</td><td>1B</td></tr></tbody></table><hr>"
    )

    assert html_to_text(html) == (
        "Notes\n~~~~~\n\n"
        "One\ntwo & `three`\n\n"
        "* first\n* second\n  * nested\n\n"
        "3. third\n4. fourth\n\n"
        "> Wise words.\n\n"
        "    if x:\n        y()\n\n"
        "https://a.example/ and [Image: a plot]\n\n"
        "Model | Params\n--------------\nTiny | 1B\n\n"
        "* * *"
    )


# The public URLs


def test_the_email_urls_serve_html_and_text_with_cache_control_and_noindex(client, rich_issue):
    html_response = client.get(email_url(rich_issue))
    text_response = client.get(email_url(rich_issue, "newsletter:issue-email-text"))

    assert email_url(rich_issue) == "/issues/1-issue-1/email/"
    assert email_url(rich_issue, "newsletter:issue-email-text") == "/issues/1-issue-1/email.txt"
    for response in (html_response, text_response):
        assert response.status_code == 200
        assert response["Cache-Control"] == PUBLISHED_CACHE_CONTROL
        assert response["X-Robots-Tag"] == "noindex"
    assert html_response["Content-Type"] == "text/html; charset=utf-8"
    assert text_response["Content-Type"] == "text/plain; charset=utf-8"
    # Links are absolute against the host the request came to.
    assert 'href="http://testserver/issues/1-issue-1/"' in html_response.content.decode()
    assert "http://testserver/issues/1-issue-1/" in text_response.content.decode()


def test_a_wrong_slug_redirects_permanently_to_the_canonical_email_url(client, make_issue):
    publish(make_issue(slug="the-real-slug"))

    html_response = client.get("/issues/1-an-old-slug/email/")
    text_response = client.get("/issues/1-an-old-slug/email.txt")

    assert html_response.status_code == 301
    assert html_response["Location"] == "/issues/1-the-real-slug/email/"
    assert text_response.status_code == 301
    assert text_response["Location"] == "/issues/1-the-real-slug/email.txt"


def test_a_draft_has_no_email_edition(client, make_issue):
    make_issue(1)

    assert client.get("/issues/1-issue-1/email/").status_code == 404
    assert client.get("/issues/1-issue-1/email.txt").status_code == 404


def test_a_scheduled_issue_email_is_not_found_until_its_time(client, make_issue):
    at = timezone.now() + timedelta(hours=2)
    publish(make_issue(1), at=at)

    with time_machine.travel(at - timedelta(seconds=1), tick=False):
        assert client.get("/issues/1-issue-1/email/").status_code == 404
        assert client.get("/issues/1-issue-1/email.txt").status_code == 404
    with time_machine.travel(at, tick=False):
        response = client.get("/issues/1-issue-1/email/")
    assert response.status_code == 200


def test_cache_control_does_not_tell_when_the_next_change_is_scheduled(client, make_issue):
    at = timezone.now().replace(microsecond=0) + timedelta(seconds=100)
    publish(make_issue(1))
    publish(make_issue(2), at=at)

    with time_machine.travel(at - timedelta(seconds=40), tick=False):
        response = client.get("/issues/1-issue-1/email/")

    assert response["Cache-Control"] == PUBLISHED_CACHE_CONTROL


# The admin download


def revision_email_url(revision, fmt):
    return reverse("admin:newsletter_revision_email", args=(revision.pk, fmt))


def test_staff_download_a_scheduled_revision_email_as_an_attachment(client, make_issue, editor):
    publish(make_issue(1), at=timezone.now() + timedelta(days=3))
    revision = Revision.objects.get()
    client.force_login(editor)

    html_response = client.get(revision_email_url(revision, "html"))
    text_response = client.get(revision_email_url(revision, "text"))

    assert html_response.status_code == 200
    assert html_response["Content-Type"] == "text/html; charset=utf-8"
    assert html_response["Content-Disposition"] == 'attachment; filename="issue-1-issue-1.html"'
    assert 'href="http://127.0.0.1:8000/issues/1-issue-1/"' in html_response.content.decode()
    assert text_response["Content-Type"] == "text/plain; charset=utf-8"
    assert text_response["Content-Disposition"] == 'attachment; filename="issue-1-issue-1.txt"'
    assert "Small models, big ideas" in text_response.content.decode()
    assert "no-store" in html_response["Cache-Control"]


def test_an_anonymous_download_redirects_to_the_admin_login(client, make_issue):
    publish(make_issue(1))
    url = revision_email_url(Revision.objects.get(), "html")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_revision_page_in_the_admin_links_to_both_downloads(client, make_issue, editor):
    publish(make_issue(1))
    revision = Revision.objects.get()
    client.force_login(editor)

    response = client.get(reverse("admin:newsletter_revision_change", args=(revision.pk,)))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Download email edition" in page
    assert f'href="{revision_email_url(revision, "html")}"' in page
    assert f'href="{revision_email_url(revision, "text")}"' in page


def test_an_unknown_download_format_is_not_found(admin_client, make_issue):
    publish(make_issue(1))

    response = admin_client.get(revision_email_url(Revision.objects.get(), "pdf"))

    assert response.status_code == 404
