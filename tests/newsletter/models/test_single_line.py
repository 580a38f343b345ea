"""Titles, names, alt text, captions and credits are one line of text, by validation."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from newsletter.models import Image, Issue, Item, Paper, Section
from tests.helpers.admin import form_data
from tests.helpers.reader import make_image

pytestmark = pytest.mark.django_db

ONE_LINE = [
    (Issue, "title"),
    (Section, "title"),
    (Item, "title"),
    (Item, "source"),
    (Paper, "title"),
    (Paper, "authors"),
    (Image, "alt_text"),
    (Image, "caption"),
    (Image, "credit"),
]
BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\t", "\x00", "\x1b"]


def row_of(model, make_issue):
    issue = make_issue()
    return {
        Issue: issue,
        Section: issue.sections.first(),
        Item: Item.objects.filter(section__issue=issue).first(),
        Paper: Paper.objects.filter(section__issue=issue).first(),
        Image: make_image("chart"),
    }[model]


@pytest.mark.parametrize(("model", "field"), ONE_LINE, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("brk", BREAKS, ids=lambda c: f"U+{ord(c[0]):04X}")
def test_a_line_break_or_control_character_in_a_one_line_field_is_refused(
    model, field, brk, make_issue
):
    row = row_of(model, make_issue)
    setattr(row, field, f"First line{brk}Bcc: everyone@example.com")

    with pytest.raises(ValidationError) as refused:
        row.full_clean(exclude=[f.name for f in model._meta.fields if f.name != field])

    [message] = refused.value.message_dict[field]
    assert message.startswith("Write this on one line")
    assert f"U+{ord(brk[0]):04X}" in message


def test_ordinary_punctuation_and_scripts_stay_allowed(make_issue):
    issue = make_issue(title="Tips & tricks — “RLHF” <for> 'free', 日本語, émigré, 🚀")
    issue.full_clean()


def test_the_composer_refuses_a_two_line_title_and_keeps_what_was_typed(client, editor, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    client.force_login(editor)
    data = form_data(client.get(url))
    data["title"] = "Line one\r\nLine two"
    data["sections-0-items-0-title"] = "Item\nwith a break"
    data["sections-0-items-0-body"] = "Typed and kept."

    response = client.post(url, data)

    assert response.status_code == 200
    html = response.text
    assert html.count("Write this on one line") >= 2
    assert "Typed and kept." in html
    assert Issue.objects.get(pk=issue.pk).title == "Small models, big ideas"

    autosave = client.post(url, {**data, "_autosave": "1"})
    assert autosave.status_code == 400
    assert any("Write this on one line" in e for e in autosave.json()["errors"])


def test_the_picture_dialog_refuses_a_two_line_alt_text(client, editor):
    image = make_image("chart", alt_text="A chart")
    client.force_login(editor)
    from newsletter.admin.image_chooser import stamp

    response = client.post(
        reverse("admin:newsletter_image_describe", args=[image.pk]),
        {"alt_text": "A chart\nSubject: spam", "caption": "", "credit": "", "stamp": stamp(image)},
    )

    assert response.status_code == 400
    assert "Write this on one line" in response.json()["errors"][0]
    assert Image.objects.get(pk=image.pk).alt_text == "A chart"


def test_text_stored_before_the_rule_is_flattened_by_the_migration(make_issue):
    issue = make_issue()
    Issue.objects.filter(pk=issue.pk).update(title="Two\r\nlines")
    Section.objects.filter(issue=issue).update(title="\n")
    image = make_image("chart", caption="Loss\u2028against steps", credit="")
    migration = importlib.import_module("newsletter.migrations.0010_titles_single_line")

    migration.flatten_stored_text(apps, None)

    assert Issue.objects.get(pk=issue.pk).title == "Two lines"
    assert set(Section.objects.filter(issue=issue).values_list("title", flat=True)) == {"Untitled"}
    assert Image.objects.get(pk=image.pk).caption == "Loss against steps"
    Issue.objects.get(pk=issue.pk).full_clean()
