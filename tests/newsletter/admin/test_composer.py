"""The issue composer: one page for the whole issue, nothing lost on any save path."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsletter.models import Image, Issue, Item, Paper, Revision, Section
from tests.helpers.admin import form_data
from tests.helpers.images import image_bytes, upload, with_renditions
from tests.helpers.reader import make_image, public_url
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

CONFLICT = "while you were editing it, so your changes were not saved"


def change_url(issue):
    return reverse("admin:newsletter_issue_change", args=[issue.pk])


def preview_url(issue):
    return reverse("admin:newsletter_issue_preview", args=[issue.pk])


@pytest.fixture
def two_editors(editor, django_user_model):
    from django.contrib.auth.models import Group

    from editorial.roles import EDITORS

    other = django_user_model.objects.create_user(
        username="olga", password="x", is_staff=True, first_name="Olga", last_name="Editor"
    )
    other.groups.add(Group.objects.get(name=EDITORS))
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(other)
    return first, second


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def third_item_in_my_work(*, title: str, position: int) -> dict:
    """The form fields of a new item after the two of "My work", as the page posts them."""
    fields = {name: "" for name in ("url", "source", "body", "image")}
    fields.update(title=title, position=position)
    return {
        "sections-0-items-TOTAL_FORMS": 3,
        **{f"sections-0-items-2-{name}": value for name, value in fields.items()},
    }


# Nothing lost, on every save path ---------------------------------------------------


def test_a_stale_save_of_an_entry_body_on_the_issue_page_is_refused(two_editors, make_issue):
    first, second = two_editors
    issue = make_issue()
    page_a, page_b = (
        form_data(first.get(change_url(issue))),
        form_data(second.get(change_url(issue))),
    )

    page_b["sections-0-items-0-body"] = "Olga's careful rewrite."
    assert second.post(change_url(issue), page_b).status_code == 302
    page_a["sections-0-items-1-body"] = "Eddie's note on another item."
    refused = first.post(change_url(issue), page_a)

    assert refused.status_code == 200
    assert CONFLICT in refused.text
    assert "Eddie&#x27;s note on another item." in refused.text  # the input is kept
    bodies = list(Item.objects.filter(section__issue=issue).values_list("body", flat=True))
    assert "Olga's careful rewrite." in bodies
    assert "Eddie's note on another item." not in bodies


def test_a_stale_move_or_reorder_is_refused(two_editors, make_issue):
    first, second = two_editors
    issue = make_issue()
    page_a, page_b = (
        form_data(first.get(change_url(issue))),
        form_data(second.get(change_url(issue))),
    )
    page_b["title"] = "Olga's title"
    assert second.post(change_url(issue), page_b).status_code == 302

    page_a["sections-0-items-0-position"], page_a["sections-0-items-1-position"] = 2, 1
    assert CONFLICT in first.post(change_url(issue), page_a).text
    assert [i.title for i in Section.objects.get(issue=issue, title="My work").items.all()] == [
        "Fine-tuning on a laptop",
        "A tiny eval harness",
    ]


def test_autosave_saves_through_the_page_and_refuses_a_stale_save(two_editors, make_issue):
    first, second = two_editors
    issue = make_issue()
    page_a, page_b = (
        form_data(first.get(change_url(issue))),
        form_data(second.get(change_url(issue))),
    )

    page_a["sections-0-items-0-body"] = "Typed, then a pause."
    saved = first.post(change_url(issue), {**page_a, "_autosave": "1"})
    assert saved.status_code == 200
    body = saved.json()
    assert body["saved"] is True and body["version"] == 2 and body["reload"] is False
    assert Item.objects.get(title="Fine-tuning on a laptop").body == "Typed, then a pause."

    # Olga's page was opened before that autosave: her autosave is refused, not applied.
    page_b["sections-0-items-0-body"] = "Olga's version."
    refused = second.post(change_url(issue), {**page_b, "_autosave": "1"})
    assert refused.status_code == 409
    assert refused.json()["stale"] is True
    assert CONFLICT in " ".join(refused.json()["errors"])
    assert Item.objects.get(title="Fine-tuning on a laptop").body == "Typed, then a pause."

    # The page carries on from the version the autosave answered with.
    page_a["base_version"] = body["version"]
    page_a["title"] = "Saved by hand after an autosave"
    assert first.post(change_url(issue), page_a).status_code == 302


@pytest.mark.parametrize("position", [3, 0], ids=["after-the-others", "first-in-its-list"])
def test_autosave_of_a_new_entry_saves_it_once_its_title_is_typed_and_asks_to_renumber(
    editor_client, make_issue, position
):
    issue = make_issue()
    data = form_data(editor_client.get(change_url(issue)))
    data.update(third_item_in_my_work(title="Found this week", position=position), _autosave="1")
    response = editor_client.post(change_url(issue), data)
    assert response.json()["reload"] is True
    assert Item.objects.filter(title="Found this week", section__issue=issue).count() == 1


def test_autosave_of_invalid_input_saves_nothing_and_says_why(editor_client, make_issue):
    issue = make_issue()
    data = form_data(editor_client.get(change_url(issue)))
    data["sections-0-items-0-url"] = "not a link"
    data["sections-0-items-0-body"] = "Kept in the page, not saved."
    response = editor_client.post(change_url(issue), {**data, "_autosave": "1"})

    assert response.status_code == 400
    assert any("Enter a valid URL" in e for e in response.json()["errors"])
    assert "Fine-tuning on a laptop" in " ".join(response.json()["errors"])
    assert Item.objects.get(title="Fine-tuning on a laptop").body.startswith("What I learned")
    assert Issue.objects.get(pk=issue.pk).version == 1


def test_a_stale_change_to_a_pictures_words_is_refused_in_the_chooser(two_editors):
    first, second = two_editors
    image = make_image("chart", alt_text="A chart")
    url = reverse("admin:newsletter_image_describe", args=[image.pk])
    shown = first.get(reverse("admin:newsletter_image_choose"), {"id": image.pk}).json()
    stamp = shown["images"][0]["stamp"]

    assert (
        second.post(url, {"alt_text": "A bar chart of losses", "stamp": stamp}).status_code == 200
    )
    refused = first.post(url, {"alt_text": "A chart, described by Eddie", "stamp": stamp})

    assert refused.status_code == 409
    assert "Someone changed this picture's words" in refused.json()["errors"][0]
    assert refused.json()["current"]["alt_text"] == "A bar chart of losses"
    assert Image.objects.get(pk=image.pk).alt_text == "A bar chart of losses"


def test_a_stale_change_to_a_pictures_words_is_refused_on_its_admin_page(two_editors):
    from newsletter.content.images import ingest

    first, second = two_editors
    image = ingest(upload(image_bytes("PNG"), "chart.png"), alt_text="A chart")
    url = reverse("admin:newsletter_image_change", args=[image.pk])
    page_a, page_b = form_data(first.get(url)), form_data(second.get(url))

    page_b["alt_text"] = "Olga's description"
    assert second.post(url, page_b).status_code == 302
    page_a["caption"] = "Eddie's caption"
    refused = first.post(url, page_a)

    assert refused.status_code == 200
    assert "Someone changed this picture&#x27;s words" in refused.text
    image.refresh_from_db()
    assert (image.alt_text, image.caption) == ("Olga's description", "")


# One page, fast ---------------------------------------------------------------------


def issue_with_entries(make_issue, count: int) -> Issue:
    issue = make_issue()
    work, papers = issue.sections.all()
    pictures = [make_image(f"entry-{issue.number}-{n}", width=1200, height=600) for n in range(4)]
    existing = Item.objects.filter(section__issue=issue).count() + 1
    for n in range(count - existing):
        section = work if n % 2 else papers
        if n % 3:
            Item.objects.create(
                section=section, title=f"Item {n}", body="Why it matters.", position=n + 3,
                image=pictures[n % 4],
            )  # fmt: skip
        else:
            Paper.objects.create(
                section=section, title=f"Paper {n}", arxiv_id="2106.09685", position=n + 3,
                image=pictures[n % 4],
            )  # fmt: skip
    return issue


def queries_for_page(client, issue) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(change_url(issue)).status_code == 200
    return len(queries)


def test_the_issue_page_costs_the_same_queries_at_5_and_60_entries(editor_client, make_issue):
    few = issue_with_entries(make_issue, 5)
    many = issue_with_entries(lambda: make_issue(number=2, slug="issue-2"), 60)
    assert (
        Item.objects.filter(section__issue=many).count()
        + Paper.objects.filter(section__issue=many).count()
        == 60
    )

    queries_for_page(editor_client, few)  # the first request of a session warms caches
    at_5, at_60 = queries_for_page(editor_client, few), queries_for_page(editor_client, many)

    assert at_5 == at_60, (at_5, at_60)
    assert at_60 <= 30  # the preflight panel and the send choice are a few fixed queries


# Preview beside the text ------------------------------------------------------------


def article(html: str) -> str:
    """The issue body, without its date line (a preview has no publication date yet)."""
    body = re.search(r'<article class="issue">.*</article>', html, re.S).group(0)
    return re.sub(r'<p class="issue-meta">.*?</p>', "", body, flags=re.S)


def test_the_preview_shows_what_is_typed_and_saves_nothing(editor_client, make_issue):
    issue = make_issue()
    data = form_data(editor_client.get(change_url(issue)))
    data["sections-0-items-0-body"] = "Typed *just now*."

    response = editor_client.post(preview_url(issue), data)

    assert response.status_code == 200
    assert "<p>Typed <em>just now</em>.</p>" in response.text
    assert "no-store" in response["Cache-Control"]
    assert Item.objects.get(title="Fine-tuning on a laptop").body.startswith("What I learned")
    assert Issue.objects.get(pk=issue.pk).version == 1


def test_the_preview_is_exactly_the_published_issue_body(editor_client, client, illustrated):
    issue = illustrated()
    data = form_data(editor_client.get(change_url(issue)))

    preview = editor_client.post(preview_url(issue), data).text
    published = client.get(public_url(issue)).text

    assert article(preview) == article(published)
    assert "/static/css/site.css" in preview


def test_the_preview_of_an_invalid_page_shows_the_saved_issue_and_says_so(
    editor_client, make_issue
):
    issue = make_issue()
    data = form_data(editor_client.get(change_url(issue)))
    data["sections-0-items-0-url"] = "not a link"
    response = editor_client.post(preview_url(issue), data)
    assert "Fix the errors on the page" in response.text
    assert "Fine-tuning on a laptop" in response.text


def test_only_staff_who_may_see_the_issue_get_a_preview(client, reviewer, make_issue):
    issue = make_issue()
    assert client.post(preview_url(issue), {}).status_code == 302  # to the login page
    client.force_login(reviewer)
    assert client.post(preview_url(issue), {}).status_code == 200  # reviewers may read
    assert client.get(preview_url(issue)).status_code == 405


# Figures anywhere -------------------------------------------------------------------


def test_uploading_a_figure_requires_alt_text_and_goes_through_the_pipeline(editor_client):
    url = reverse("admin:newsletter_image_upload")
    picture = image_bytes("PNG", size=(1200, 600))

    refused = editor_client.post(url, {"file": upload(picture, "chart.png"), "alt_text": " "})
    assert refused.status_code == 400
    assert "alt text" in refused.json()["errors"][0]
    assert Image.objects.count() == 0

    made = editor_client.post(
        url,
        {
            "file": upload(picture, "chart.png"),
            "alt_text": "Loss falling over ten epochs",
            "caption": "Training loss",
            "credit": "Our own run",
        },
    )
    assert made.status_code == 201
    image = Image.objects.get()
    assert (image.alt_text, image.caption, image.credit) == (
        "Loss falling over ten epochs",
        "Training loss",
        "Our own run",
    )
    assert image.renditions == []  # a worker makes them
    assert [r["width"] for r in with_renditions(image).stored_renditions()] == [480, 960]
    assert made.json()["url"] == image.file.url


def test_a_hostile_file_is_refused_with_a_clear_message(editor_client):
    url = reverse("admin:newsletter_image_upload")
    response = editor_client.post(
        url, {"file": upload(b"<svg onload=alert(1)>", "evil.png"), "alt_text": "Evil"}
    )
    assert response.status_code == 400
    assert response.json()["errors"]
    assert Image.objects.count() == 0


def test_reviewers_and_publishers_cannot_upload_figures(client, reviewer, publisher):
    for person in (reviewer, publisher):
        client.force_login(person)
        response = client.post(
            reverse("admin:newsletter_image_upload"),
            {"file": upload(image_bytes("PNG"), "a.png"), "alt_text": "A"},
        )
        assert response.status_code == 403
    assert Image.objects.count() == 0


def test_a_figure_in_the_middle_of_a_text_reaches_readers_as_a_figure(client, make_issue):
    picture = make_image("mid-text", width=1600, height=800, caption="Attention maps",
                         credit="Example Lab", credit_url="https://example.org/lab")  # fmt: skip
    issue = make_issue()
    item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
    item.body = (
        "Before the picture.\n\n"
        f"![Heads attending to the first token]({picture.file.url})\n\n"
        f"After it, and ![a small one]({picture.file.url}) inline."
    )
    item.save()
    publish(issue)

    page = client.get(public_url(issue)).text
    figure = re.search(r'<div class="entry-body">.*?</div>', page, re.S).group(0)
    assert figure.index("Before the picture.") < figure.index("<figure") < figure.index("After it")
    assert 'srcset="/media/renditions/mid-text-480.webp 480w' in figure
    assert 'width="1600" height="800" alt="Heads attending to the first token"' in figure
    assert '<span class="caption">Attention maps</span>' in figure
    assert 'Credit: <a href="https://example.org/lab">Example Lab</a>' in figure
    # The inline picture keeps its place in the sentence, with its sizes.
    assert re.search(r'and <img src="[^"]+" srcset="[^"]+" sizes="[^"]+" width="1600"', figure)

    feed = client.get("/feed/atom/").content.decode()
    # In feeds, as in the email edition, a picture is one src (this one has only its original).
    assert "Attention maps" in feed and "/media/images/2024/05/mid-text.jpg" in feed
    email = client.get(public_url(issue) + "email/").text
    assert "Attention maps" in email and "Heads attending to the first token" in email
    # A published figure cannot be deleted from under the page.
    assert picture in Revision.objects.get(issue=issue).images.all()


# Smaller things ---------------------------------------------------------------------


def test_after_a_refused_save_the_heading_names_the_issue_as_saved(two_editors, make_issue):
    first, second = two_editors
    issue = make_issue(title="The saved title")
    page_a, page_b = (
        form_data(first.get(change_url(issue))),
        form_data(second.get(change_url(issue))),
    )
    page_b["title"] = "Olga's title"
    second.post(change_url(issue), page_b)
    page_a["title"] = "Eddie's unsaved title"

    refused = first.post(change_url(issue), page_a)

    assert refused.context["original"].title == "Olga's title"
    assert "<h2>#1 Olga&#x27;s title</h2>" in refused.text
    assert 'value="Eddie&#x27;s unsaved title"' in refused.text  # the input is kept


def test_view_on_site_is_offered_only_for_a_live_issue(editor_client, make_issue):
    draft = make_issue()
    assert "View on site" not in editor_client.get(change_url(draft)).text

    live = make_issue(number=2, slug="issue-2")
    publish(live)
    html = editor_client.get(change_url(live)).text
    assert "View on site" in html
    assert f'href="{public_url(live)}" class="viewsitelink"' in html


@pytest.mark.parametrize("position", [0, 3])
def test_autosave_right_after_adding_an_entry_saves_the_rest_and_keeps_the_blank_one_out(
    editor_client, make_issue, position
):
    # "Add another Item" gives the new form its position and nothing else: first in its
    # list 0, the model's default, further down its place. Either way it is no entry yet.
    issue = make_issue()
    data = form_data(editor_client.get(change_url(issue)))
    data.update(
        third_item_in_my_work(title="", position=position),
        summary="Typed while the new item was still blank.",
        _autosave="1",
    )
    items = Item.objects.count()

    response = editor_client.post(change_url(issue), data)

    assert response.status_code == 200, response.json()
    assert response.json()["saved"] is True
    assert response.json()["reload"] is False  # the blank form stays on the page as it is
    assert Issue.objects.get(pk=issue.pk).summary == "Typed while the new item was still blank."
    assert Item.objects.count() == items
