"""Curation in a real browser: the bookmarklet saves a local page (its JS run on that
page), the inbox shows it filled and featured before, one action adds it to a draft's
section, the issue page warns it was featured before, and preflight blocks a submit.
With UPDATE_SCREENSHOTS=1 the screenshots README.md shows are saved under docs/curation/.
"""

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from PIL import Image as PILImage
from playwright.sync_api import expect

from editorial.roles import EDITORS, ensure_groups
from newsletter.admin.editing import add_standard_sections
from newsletter.models import Issue, Item, Section
from tests.e2e.conftest import logged_in_page, screenshot_taker
from tests.helpers.local_server import LocalServer, Response
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "curation"

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Distilling a 7B model into 1B | Small Models Weekly</title>
<meta property="og:title" content="Distilling a 7B model into 1B">
<meta property="og:site_name" content="Small Models Weekly">
<meta property="og:description" content="What survives distillation, and what does not.">
<meta property="og:image" content="/cover.png">
</head><body><h1>Distilling a 7B model into 1B</h1>
<p id="quote">Most of the reasoning survives; most of the trivia does not.</p>
<p>Long article text.</p></body></html>"""


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (800, 420), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def shots(tmp_path):
    return screenshot_taker(DOCS, tmp_path)


@pytest.fixture
def article(settings):
    settings.CURATION_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    # The fill runs in the request that saves the link; the worker is tested elsewhere.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with LocalServer(
        {
            "/article": Response(200, ARTICLE),
            "/cover.png": Response(200, png(), headers={"Content-Type": "image/png"}),
        }
    ) as site:
        yield site


@pytest.fixture
def editor_login(django_user_model):
    ensure_groups()
    user = django_user_model.objects.create_user(
        "eddie", "eddie@example.com", "correct horse battery", is_staff=True
    )
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


def test_capture_fill_add_featured_before_and_preflight(
    browser, live_server, editor_login, article, shots
):
    # Issue #1, live, already linked the article (written without its tracking query).
    earlier = Issue.objects.create(number=1, title="Small models", slug="small-models")
    section = Section.objects.create(issue=earlier, title="From the internet", position=0)
    Item.objects.create(
        section=section, title="Distillation, a first look", url=article.url("/article"),
        body="Worth reading.", position=0,
    )  # fmt: skip
    publish(earlier)
    draft = Issue.objects.create(number=2, title="Smaller still", slug="smaller-still")
    add_standard_sections(draft)

    page = logged_in_page(browser, live_server, "/admin/")

    # The admin home offers the bookmarklet.
    bookmarklet = page.locator("a.curation-bookmarklet.button")
    expect(bookmarklet).to_be_visible()
    shots(page.locator(".curation-home"), "1-bookmarklet-on-admin-home")
    source = bookmarklet.get_attribute("href")
    assert source.startswith("javascript:")

    # On the article, with a sentence selected, the bookmarklet opens the save window.
    page.goto(article.url("/article?utm_source=newsletter"))
    page.evaluate(
        """() => { const range = document.createRange();
                   range.selectNodeContents(document.getElementById("quote"));
                   const selection = window.getSelection();
                   selection.removeAllRanges(); selection.addRange(range); }"""
    )
    with page.expect_popup() as opened:
        page.evaluate(source.removeprefix("javascript:"))
    popup = opened.value
    popup.wait_for_load_state()
    expect(popup.locator("#save-url")).to_have_value(article.url("/article?utm_source=newsletter"))
    expect(popup.locator("#save-title")).to_have_value(
        "Distilling a 7B model into 1B | Small Models Weekly"
    )
    expect(popup.locator("#save-text")).to_have_value(
        "Most of the reasoning survives; most of the trivia does not."
    )
    shots(popup, "2-bookmarklet-window")
    popup.locator("button.default").click()
    expect(popup.locator(".curation-saved")).to_contain_text("Saved")

    # The inbox: filled from the page, and featured before in #1.
    page.goto(f"{live_server.url}/admin/curation/savedlink/")
    link = page.locator(".curation-link").first
    expect(link.locator("h2")).to_have_text("Distilling a 7B model into 1B")
    expect(link.locator(".curation-meta")).to_contain_text("Small Models Weekly")
    expect(link.locator(".curation-featured")).to_contain_text("#1, From the internet")
    expect(link.locator(".curation-suggested")).to_be_visible()
    link.locator("select[name=section]").select_option(label="From the internet")
    link.locator("input[name=picture_alt]").fill("A blue panel, the article's cover")
    link.locator("input[name=next]").check()
    shots(page, "3-inbox")
    link.locator("button[value=item]").click()

    # The issue page: the new item, the featured-before note under its link, preflight.
    expect(page.locator(".messagelist .success")).to_contain_text("it left the inbox")
    item = Item.objects.get(section__issue=draft)
    assert item.title == "Distilling a 7B model into 1B"
    assert item.source == "Small Models Weekly"
    assert item.image.alt_text == "A blue panel, the article's cover"
    url_field = page.locator("#id_sections-1-items-0-url")
    expect(url_field).to_have_value(article.url("/article?utm_source=newsletter"))
    note = page.locator(".curation-featured-note").first
    expect(note).to_contain_text("Featured before: #1, From the internet")
    preflight = page.locator("#preflight")
    expect(preflight).to_contain_text("was featured before: #1")
    shots(page.locator("#preflight"), "4-preflight-warnings")
    shots(url_field.locator("xpath=ancestor::fieldset[1]"), "5-featured-before-while-editing")

    # A placeholder left in the commentary: preflight refuses the submit, saying why.
    body = page.locator("#id_sections-1-items-0-body")
    body.fill(body.input_value() + "\n\nTK: add the benchmark numbers.")
    page.locator("input[name=_continue]").first.click()
    expect(page.locator("#preflight")).to_contain_text("1 to fix before review")
    page.locator("form.workflow-action-submit button[type=submit]").click()
    error = page.locator(".messagelist .error")
    expect(error).to_contain_text(re.compile(r"not ready for review: preflight found 1 problem"))
    expect(error).to_contain_text("Placeholder text")
    page.evaluate("window.scrollTo(0, 0)")
    shots(page, "6-preflight-blocks-submit")
    draft.refresh_from_db()
    assert draft.state == "draft" and not draft.revisions.exists()
    page.context.close()
