"""An editor builds a whole issue on its one page, in a real browser, and readers see it.

Three sections, entries added and one moved to another section, a picture dropped into
the middle of an item's text (alt text, caption and credit asked for), autosave and the
side-by-side preview watched, then published: the public page shows the figure with its
srcset and caption. Clicks and page loads are counted. With UPDATE_SCREENSHOTS=1 the test
saves the screenshots README.md shows under docs/composer/.
"""

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from PIL import Image as PILImage
from playwright.sync_api import expect

from editorial.roles import EDITORS, ensure_groups
from newsletter.models import Image, Issue, Item
from tests.e2e.conftest import dialogs_on_leaving, screenshot_taker
from tests.helpers.reader import public_url
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "composer"


class Counted:
    """The page, counting what a person does: clicks (and choices) and page loads."""

    def __init__(self, page):
        self.page = page
        self.clicks = 0
        self.loads = 0
        page.on("load", lambda _: setattr(self, "loads", self.loads + 1))

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def choose(self, locator, **option):
        self.clicks += 1  # opening the list and picking count as one
        locator.select_option(**option)


def png(width=1200, height=600) -> bytes:
    picture = PILImage.new("RGB", (width, height), (30, 60, 120))
    for x in range(0, width, 40):
        for y in range(height):
            picture.putpixel((x, y), (250, 200, 40))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def editor_login(django_user_model):
    ensure_groups()
    user = django_user_model.objects.create_user(
        "eddie", "eddie@example.com", "correct horse battery", is_staff=True
    )
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def shots(tmp_path):
    return screenshot_taker(DOCS, tmp_path)


def drop_picture(page, textarea_selector: str, at_text: str, data: bytes, name: str):
    """Put the caret after `at_text` and drop a picture file there, as a browser does."""
    page.evaluate(
        """([selector, after, bytes, name]) => {
            const area = document.querySelector(selector);
            const caret = area.value.indexOf(after) + after.length;
            area.focus();
            area.setSelectionRange(caret, caret);
            const file = new File([new Uint8Array(bytes)], name, {type: "image/png"});
            const transfer = new DataTransfer();
            transfer.items.add(file);
            area.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true,
                                                      cancelable: true}));
        }""",
        [textarea_selector, at_text, list(data), name],
    )


def test_an_editor_builds_an_issue_on_one_page_and_readers_see_its_figure(
    browser, live_server, editor_login, shots
):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    person = Counted(page)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/newsletter/issue/add/")
    page.fill("#id_username", "eddie")
    page.fill("#id_password", "correct horse battery")
    person.click(page.locator("input[type=submit]"))

    # A new issue with three sections, made on the add page.
    page.locator("#id_title").press_sequentially("Small models, sharp pictures")
    for n, title in enumerate(["My work", "From the internet", "Papers & research"]):
        person.click(page.locator("a.djn-add-handler.djn-model-newsletter-section").last)
        page.fill(f"#id_sections-{n}-title", title)
    person.click(page.locator("input[name=_continue]").first)
    expect(page.locator(".messagelist .success")).to_have_count(1)
    issue = Issue.objects.get(title="Small models, sharp pictures")
    assert [s.title for s in issue.sections.all()] == [
        "My work",
        "From the internet",
        "Papers & research",
    ]
    status = page.locator(".composer-status")
    expect(status).to_contain_text("All changes saved")

    # Entries: two items in the first section, a paper in the third.
    def add(section: int, kind: str):
        model = "item" if kind == "items" else "paper"
        group = page.locator(f"#sections-{section}-{kind}-group")
        person.click(group.locator(f"a.djn-add-handler.djn-model-newsletter-{model}").last)

    add(0, "items")
    page.fill("#id_sections-0-items-0-title", "Fine-tuning a small model on a laptop")
    page.fill("#id_sections-0-items-0-url", "https://example.com/laptop")
    page.fill(
        "#id_sections-0-items-0-body",
        "I fitted a 1B model in 8 GB.\n\nThe loss curve told the story.",
    )
    add(0, "items")
    page.fill("#id_sections-0-items-1-title", "Reading attention maps")
    page.fill("#id_sections-0-items-1-body", "A guide worth an afternoon.")
    add(2, "papers")
    page.fill("#id_sections-2-papers-0-title", "LoRA: Low-Rank Adaptation of Large Language Models")
    page.fill("#id_sections-2-papers-0-arxiv_id", "2106.09685")

    # Autosave: new entries are saved without a click, and the page renumbers itself.
    expect(status).to_contain_text("last saved", timeout=20_000)
    page.wait_for_load_state("load")
    expect(page.locator("#id_sections-0-items-1-title")).to_have_value("Reading attention maps")
    assert Item.objects.filter(section__issue=issue).count() == 2

    # The second item belongs in "From the internet": moved there from the keyboard.
    mover = page.locator("#sections-0-items-1 > h3 select.composer-move-to")
    person.choose(mover, label="From the internet")
    expect(page.locator("#id_sections-1-items-0-title")).to_have_value("Reading attention maps")

    # A picture dropped into the middle of the first item's text asks for its words.
    drop_picture(page, "#id_sections-0-items-0-body", "8 GB.", png(), "loss-curve.png")
    dialog = page.locator("dialog.figure-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[name=alt_text]")).to_have_value("")  # never made up
    dialog.locator("[name=alt_text]").fill("Training loss falling over ten epochs")
    dialog.locator("[name=caption]").fill("The loss after each epoch")
    dialog.locator("[name=credit]").fill("Our own run")
    shots(dialog, "2-picture-dialog")
    person.click(dialog.locator(".fd-ok"))
    expect(dialog).to_be_hidden()
    body = page.locator("#id_sections-0-items-0-body")
    expect(body).to_have_value(re.compile(r"8 GB\.\n\n!\[Training loss falling over ten epochs\]"))
    assert body.input_value().index("![") < body.input_value().index("The loss curve")

    # Autosave again, and the preview beside the text shows the figure as readers will.
    expect(status).to_contain_text("last saved", timeout=20_000)
    page.wait_for_load_state("load")
    preview = page.frame_locator("iframe.composer-preview-frame")
    expect(preview.locator("figure figcaption .caption")).to_have_text(
        "The loss after each epoch", timeout=20_000
    )
    expect(preview.locator("#item-reading-attention-maps")).to_have_count(1)
    issue.refresh_from_db()
    moved = Item.objects.get(title="Reading attention maps")
    assert moved.section.title == "From the internet"
    image = Image.objects.get(alt_text="Training loss falling over ten epochs")
    assert image.caption == "The loss after each epoch" and image.credit == "Our own run"
    shots(page, "1-composer")

    # Leaving with unsaved changes asks first.
    page.fill("#id_sections-0-items-0-title", "Fine-tuning a small model on a laptop, again")
    assert dialogs_on_leaving(page) == ["beforeunload"]

    clicks, loads = person.clicks, person.loads
    context.close()

    # Published, readers see the figure in the middle of the text with srcset and caption.
    publish(Issue.objects.get(pk=issue.pk))
    reader = browser.new_page(viewport={"width": 1280, "height": 900})
    reader.goto(f"{live_server.url}{public_url(issue)}")
    figure = reader.locator("#item-fine-tuning-a-small-model-on-a-laptop figure")
    expect(figure).to_have_count(1)
    assert "480w" in figure.locator("img").get_attribute("srcset")
    assert figure.locator("img").get_attribute("alt") == "Training loss falling over ten epochs"
    expect(figure.locator("figcaption")).to_contain_text("The loss after each epoch")
    expect(figure.locator("figcaption")).to_contain_text("Credit: Our own run")
    shots(figure, "3-reader-figure")
    reader.close()

    # 3 sections, 3 entries, a move and a figure, in the clicks a person made:
    print(f"\ncomposer journey: {clicks} clicks, {loads} page loads")
    assert clicks <= 12, clicks
