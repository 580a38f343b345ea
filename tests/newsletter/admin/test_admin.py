"""Editors build a whole issue in the admin: issues, sections, items, papers and images."""

import re
from datetime import UTC, datetime
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsletter.content.build import build_snapshot
from newsletter.models import STANDARD_SECTIONS, Image, Issue, Item, Paper, Revision, Section
from tests.helpers.admin import form_data
from tests.helpers.images import image_bytes, upload, with_renditions

pytestmark = pytest.mark.django_db

_sha = count(1)


def make_image(alt_text="A robot reading a newspaper", renditions=None, **fields):
    n = next(_sha)
    if renditions is None:
        renditions = [
            {"width": 960, "height": 540, "name": f"renditions/robot-{n}-960.webp"},
            {"width": 480, "height": 270, "name": f"renditions/robot-{n}-480.webp"},
        ]
    return Image.objects.create(
        file=fields.pop("file", f"images/2025/01/robot-{n}.png"),
        alt_text=alt_text,
        width=1600,
        height=900,
        sha256=f"{n:064x}",
        renditions=renditions,
        **fields,
    )


def make_revision(issue, number=1, **fields):
    snapshot = build_snapshot(issue).to_json()
    return Revision.objects.create(issue=issue, number=number, snapshot=snapshot, **fields)


def textarea(html, name):
    match = re.search(rf'<textarea[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert match, f"no textarea named {name}"
    return match.group(0)


def assert_markdown_editor(html, name):
    tag = textarea(html, name)
    assert "markdownx-editor" in tag
    assert 'data-markdownx-urls-path="/admin/markdownx/markdownify/"' in tag
    assert 'data-markdownx-upload-urls-path="/admin/markdownx/upload/"' in tag


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# Issues ------------------------------------------------------------------------------


def test_editor_can_log_in_and_open_the_issue_list(client, editor, make_issue):
    make_issue(number=7, title="Seven wonders of attention")
    response = client.post(
        reverse("admin:login"),
        {"username": "eddie", "password": "correct horse battery", "next": "/admin/"},
    )
    assert response.status_code == 302

    response = client.get(reverse("admin:newsletter_issue_changelist"))
    assert response.status_code == 200
    assert "Seven wonders of attention" in response.text


def test_admin_pages_are_titled_with_the_site_name(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert "Machine Learning Monthly admin" in response.text


def test_issue_list_searches_titles_slugs_and_summaries(editor_client, make_issue):
    make_issue(number=1, title="Diffusion everywhere", summary="Pictures from noise.")
    make_issue(number=2, title="Agents, again", slug="agents-again")
    url = reverse("admin:newsletter_issue_changelist")

    assert list(editor_client.get(url, {"q": "noise"}).context["cl"].result_list) == [
        Issue.objects.get(number=1)
    ]
    assert list(editor_client.get(url, {"q": "agents-again"}).context["cl"].result_list) == [
        Issue.objects.get(number=2)
    ]


def test_issue_list_filters_by_state(editor_client, make_issue):
    make_issue(number=1)
    make_issue(number=2)
    Issue.objects.filter(number=2).update(state=Issue.State.IN_REVIEW)

    response = editor_client.get(
        reverse("admin:newsletter_issue_changelist"), {"state__exact": "in_review"}
    )
    assert [issue.number for issue in response.context["cl"].result_list] == [2]


def test_the_add_page_prefills_the_next_issue_number(editor_client, make_issue):
    make_issue(number=41)
    response = editor_client.get(reverse("admin:newsletter_issue_add"))
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["number"] == 42
    assert 'name="number" value="42"' in response.text


def test_editor_can_open_an_issue_change_page(editor_client, make_issue):
    issue = make_issue()
    response = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    assert response.status_code == 200
    assert 'name="title"' in response.text


def _new_issue_data(editor_client, **extra):
    response = editor_client.get(reverse("admin:newsletter_issue_add"))
    data = form_data(response)
    data.update(title="Small models, big ideas", slug="small-models-big-ideas", **extra)
    return data


def test_creating_an_issue_adds_the_standard_sections_in_order(editor_client, editor):
    data = _new_issue_data(editor_client)
    assert data["sections-TOTAL_FORMS"] == 0

    response = editor_client.post(reverse("admin:newsletter_issue_add"), data)

    assert response.status_code == 302
    issue = Issue.objects.get(slug="small-models-big-ideas")
    assert issue.number == 1
    assert [s.title for s in issue.sections.all()] == list(STANDARD_SECTIONS)
    assert issue.created_by == editor
    assert issue.updated_by == editor
    assert issue.state == Issue.State.DRAFT


def test_sections_added_inline_replace_the_standard_ones(editor_client):
    data = _new_issue_data(editor_client)
    data.update(
        {
            "sections-TOTAL_FORMS": 1,
            "sections-0-title": "Only this",
            "sections-0-intro": "",
            "sections-0-position": 1,  # set by the page's script, as it numbers rows
            "sections-0-items-TOTAL_FORMS": 0,
            "sections-0-items-INITIAL_FORMS": 0,
            "sections-0-papers-TOTAL_FORMS": 0,
            "sections-0-papers-INITIAL_FORMS": 0,
        }
    )

    response = editor_client.post(reverse("admin:newsletter_issue_add"), data)

    assert response.status_code == 302
    issue = Issue.objects.get(slug="small-models-big-ideas")
    assert [s.title for s in issue.sections.all()] == ["Only this"]


def test_each_save_increments_the_version_and_records_the_editor(editor_client, editor, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])

    for expected in (2, 3):
        data = form_data(editor_client.get(url))
        data["title"] = f"Version {expected}"
        response = editor_client.post(url, data)
        assert response.status_code == 302

        issue.refresh_from_db()
        assert issue.version == expected
        assert issue.title == f"Version {expected}"
        assert issue.updated_by == editor


def test_saving_over_someone_elses_save_is_refused_and_keeps_the_input(editor_client, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    other = get_user_model().objects.create_user("olga", first_name="Olga", last_name="Ng")
    saved_at = datetime(2026, 7, 1, 9, 30, 5, tzinfo=UTC)
    Issue.objects.filter(pk=issue.pk).update(
        version=5, title="Their title", updated_by=other, updated_at=saved_at
    )
    data["title"] = "My title"

    response = editor_client.post(url, data)

    assert response.status_code == 200
    # Who saved and when, in the site's time zone (London is on BST in July).
    assert "Olga Ng changed this issue at 10:30:05 on 01 Jul 2026 (BST)" in response.text
    assert 'value="My title"' in response.text
    issue.refresh_from_db()
    assert (issue.title, issue.version) == ("Their title", 5)


def test_state_and_version_are_read_only(editor_client, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    data.update(state="approved", version=99)

    editor_client.post(url, data)

    issue.refresh_from_db()
    assert issue.state == Issue.State.DRAFT
    assert issue.version == 2


@pytest.mark.parametrize("state", [Issue.State.IN_REVIEW, Issue.State.APPROVED])
def test_an_issue_not_in_draft_is_read_only_for_the_editor(editor_client, make_issue, state):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    Issue.objects.filter(pk=issue.pk).update(state=state)

    page = editor_client.get(url)
    assert page.status_code == 200
    assert 'name="title"' not in page.text
    assert 'name="sections-0-title"' not in page.text

    data["title"] = "Sneaky edit"
    data["sections-0-title"] = "Sneaky section"
    response = editor_client.post(url, data)

    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.title == "Small models, big ideas"
    assert issue.version == 1
    assert issue.sections.first().title == "My work"


def test_the_entries_of_an_issue_not_in_draft_are_read_only(editor_client, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.IN_REVIEW)

    assert 'name="sections-0-items-0-title"' not in editor_client.get(url).text
    data["sections-0-items-0-title"] = "Sneaky item"
    assert editor_client.post(url, data).status_code == 403
    assert Item.objects.filter(title="Sneaky item").count() == 0


def test_the_issue_page_edits_every_section_item_and_paper_in_one_form(editor_client, make_issue):
    issue = make_issue()
    response = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))

    (sections,) = response.context["inline_admin_formsets"]
    assert sections.formset.prefix == "sections"
    nested = [formset.prefix for form in sections.formset.forms for formset in form.nested_formsets]
    assert nested == [
        "sections-0-items",
        "sections-0-papers",
        "sections-1-items",
        "sections-1-papers",
    ]
    html = response.text
    for name in ("sections-0-items-1-title", "sections-1-papers-0-arxiv_id"):
        assert f'name="{name}"' in html
    # Dragging sets the hidden positions; the section page is gone.
    assert 'type="hidden" name="sections-0-items-0-position"' in html
    assert "nested_admin/dist/nested_admin" in html
    assert "/admin/newsletter/section/" not in html


def test_admin_pages_load_only_static_files_that_exist(editor_client, make_issue):
    from django.contrib.staticfiles import finders

    issue = make_issue()
    for url in (
        reverse("admin:newsletter_issue_change", args=[issue.pk]),
        reverse("admin:newsletter_issue_add"),
    ):
        html = editor_client.get(url).text
        for path in re.findall(r'(?:src|href)="/static/([^"?]+)"', html):
            assert finders.find(path), f"{url} loads missing static file {path}"


def test_reordering_sections_saves_their_positions(editor_client, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    # What the drag-and-drop script does: renumber the hidden position inputs.
    data["sections-0-position"], data["sections-1-position"] = 2, 1

    assert editor_client.post(url, data).status_code == 302
    assert [s.title for s in issue.sections.all()] == ["Papers & research", "My work"]


# Sections ----------------------------------------------------------------------------


def test_an_item_is_added_to_a_section_from_the_issue_page(editor_client, make_issue):
    issue = make_issue()
    section = issue.sections.get(title="My work")
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    data.update(
        {
            "sections-0-items-TOTAL_FORMS": 3,
            "sections-0-items-2-title": "A third item",
            "sections-0-items-2-url": "https://example.com/third",
            "sections-0-items-2-source": "",
            "sections-0-items-2-body": "Why it *matters*.",
            "sections-0-items-2-image": "",
            "sections-0-items-2-position": 3,
        }
    )
    assert editor_client.post(url, data).status_code == 302
    assert [item.title for item in section.items.all()] == [
        "Fine-tuning on a laptop",
        "A tiny eval harness",
        "A third item",
    ]
    issue.refresh_from_db()
    assert issue.version == 2


def test_an_item_moves_to_another_section_in_one_save(editor_client, make_issue):
    issue = make_issue()
    work, papers = issue.sections.all()
    moved = work.items.get(title="A tiny eval harness")
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    # What django-nested-admin's drag and drop posts: the form under the other section.
    old = "sections-0-items-1-"
    new = "sections-1-items-0-"
    for key in [k for k in data if k.startswith(old)]:
        data[new + key[len(old) :]] = data.pop(key)
    data[new + "section"] = papers.pk
    data["sections-0-items-TOTAL_FORMS"] = data["sections-0-items-INITIAL_FORMS"] = 1
    data["sections-1-items-TOTAL_FORMS"] = data["sections-1-items-INITIAL_FORMS"] = 1

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    moved.refresh_from_db()
    assert moved.section == papers
    assert [i.title for i in work.items.all()] == ["Fine-tuning on a laptop"]


# Markdown editor ---------------------------------------------------------------------


def test_every_markdown_field_uses_the_live_preview_editor(editor_client, make_issue):
    issue = make_issue()
    html = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text
    for name in (
        "summary",
        "sections-0-intro",
        "sections-__prefix__-intro",
        "sections-0-items-0-body",
        "sections-0-items-__prefix__-body",
        "sections-1-papers-0-summary",
    ):
        assert_markdown_editor(html, name)


def test_markdown_scripts_load_with_the_inline_initialiser_first(editor_client, make_issue):
    issue = make_issue()
    html = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text
    ours = html.index("js/admin-markdownx.js")
    theirs = html.index("markdownx/js/markdownx")
    assert ours < theirs
    assert "markdownx/admin/css/markdownx" in html


# Images ------------------------------------------------------------------------------


def test_the_image_chooser_shows_the_chosen_picture_in_place(editor_client, make_issue):
    image = make_image(alt_text="A robot reading a newspaper", caption="Morning news")
    issue = make_issue(hero_image=image)

    html = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text

    smallest = image.renditions[1]["name"]
    assert re.search(
        rf'<img class="admin-thumbnail" src="/media/{re.escape(smallest)}" '
        r'alt="A robot reading a newspaper"',
        html,
    )
    assert f'<input type="hidden" name="hero_image" value="{image.pk}"' in html
    assert "Morning news" in html
    assert 'data-chooser-action="describe"' in html
    # Chosen in place: no lookup or add-another popup windows.
    assert 'id="lookup_id_hero_image"' not in html
    assert 'id="add_id_hero_image"' not in html


def test_the_image_chooser_falls_back_to_the_original_file(editor_client, make_issue):
    image = make_image(renditions=[], file="images/2025/01/plain.png")
    issue = make_issue()
    Item.objects.filter(section__issue=issue).update(image=image)

    html = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text

    assert 'src="/media/images/2025/01/plain.png"' in html


def test_the_chooser_lists_and_finds_pictures(editor_client):
    image = make_image(alt_text="Charts & graphs")
    make_image(alt_text="A cat")
    url = reverse("admin:newsletter_image_choose")

    found = editor_client.get(url, {"q": "chart"}).json()["images"]
    assert [(i["id"], i["alt_text"]) for i in found] == [(image.pk, "Charts & graphs")]
    assert found[0]["thumbnail"] == f"/media/{image.renditions[1]['name']}"
    assert found[0]["url"] == image.file.url
    assert len(editor_client.get(url).json()["images"]) == 2


def test_the_chooser_needs_a_staff_login(client):
    make_image()
    assert client.get(reverse("admin:newsletter_image_choose")).status_code == 302


def test_image_list_and_lookup_popup_show_thumbnails(editor_client, editor):
    image = make_image(alt_text="A cat on a keyboard", uploaded_by=editor)
    url = reverse("admin:newsletter_image_changelist")

    for params in ({}, {"_popup": 1, "_to_field": "id"}):
        html = editor_client.get(url, params).text
        assert f'src="/media/{image.renditions[1]["name"]}"' in html
        assert "A cat on a keyboard" in html
        assert "1600 × 900" in html
        assert "eddie" in html


def test_image_list_searches_alt_text_caption_and_credit(editor_client):
    make_image(alt_text="A cat", caption="Sleeping", credit="Jane Doe")
    make_image(alt_text="A dog")
    url = reverse("admin:newsletter_image_changelist")
    for query in ("cat", "sleeping", "jane"):
        results = editor_client.get(url, {"q": query}).context["cl"].result_list
        assert [image.alt_text for image in results] == ["A cat"]


def test_image_change_page_shows_a_preview_and_read_only_facts(editor_client):
    image = make_image(alt_text="Loss curves")
    html = editor_client.get(reverse("admin:newsletter_image_change", args=[image.pk])).text
    assert f'src="/media/{image.renditions[1]["name"]}"' in html
    assert image.sha256 in html
    assert "960 × 540" in html
    assert 'name="sha256"' not in html
    assert 'name="width"' not in html
    assert 'name="alt_text"' in html


def test_an_image_uploaded_in_the_admin_goes_through_the_pipeline(editor_client, editor):
    response = editor_client.post(
        reverse("admin:newsletter_image_add"),
        {
            "file": upload(image_bytes("PNG", size=(1200, 800)), name="curves.png"),
            "alt_text": "Training loss falling over time",
            "caption": "",
            "credit": "",
            "credit_url": "",
        },
    )

    assert response.status_code == 302
    image = Image.objects.get()
    assert image.alt_text == "Training loss falling over time"
    assert image.uploaded_by == editor
    assert (image.width, image.height) == (1200, 800)
    assert len(image.sha256) == 64
    assert image.renditions == []  # a worker makes them
    assert with_renditions(image).renditions


def test_uploading_the_same_picture_twice_gives_the_existing_image(editor_client):
    data = image_bytes("PNG", size=(300, 200))
    url = reverse("admin:newsletter_image_add")
    fields = {"caption": "", "credit": "", "credit_url": ""}
    editor_client.post(url, {"file": upload(data), "alt_text": "First", **fields})

    response = editor_client.post(
        url, {"file": upload(data), "alt_text": "Second", **fields}, follow=True
    )

    assert Image.objects.count() == 1
    assert Image.objects.get().alt_text == "First"
    assert "uploaded before" in response.text


def test_uploading_from_the_picker_popup_hands_the_new_image_back(editor_client):
    response = editor_client.post(
        reverse("admin:newsletter_image_add") + "?_to_field=id&_popup=1",
        {
            "file": upload(image_bytes("PNG", size=(200, 100))),
            "alt_text": "A new picture",
            "caption": "",
            "credit": "",
            "credit_url": "",
            "_popup": "1",
            "_to_field": "id",
        },
    )
    image = Image.objects.get()
    assert response.status_code == 200
    assert response.context["popup_response_data"]
    assert f'"value": "{image.pk}"' in response.context["popup_response_data"]


# Revisions ---------------------------------------------------------------------------


def test_revision_admin_refuses_add_change_and_delete(admin_client, make_issue):
    issue = make_issue()
    revision = make_revision(issue)

    assert admin_client.get(reverse("admin:newsletter_revision_add")).status_code == 403
    change_url = reverse("admin:newsletter_revision_change", args=[revision.pk])
    assert admin_client.post(change_url, {"number": 9}).status_code == 403
    delete_url = reverse("admin:newsletter_revision_delete", args=[revision.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Revision.objects.get(pk=revision.pk).number == 1

    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert 'name="number"' not in page.text


def test_revision_snapshot_is_shown_pretty_printed(editor_client, make_issue):
    issue = make_issue(title="Tokens & <tags>")
    revision = make_revision(issue)

    html = editor_client.get(reverse("admin:newsletter_revision_change", args=[revision.pk])).text

    assert '<pre class="snapshot">{\n  &quot;issue&quot;: {\n' in html
    assert "Tokens &amp; &lt;tags&gt;" in html
    assert "<textarea" not in html


def test_revision_list_filters_by_publication(editor_client, make_issue):
    from django.utils import timezone

    live = make_revision(make_issue(number=1), go_live_at=timezone.now())
    draft = make_revision(make_issue(number=2))
    url = reverse("admin:newsletter_revision_changelist")

    assert list(editor_client.get(url, {"publication": "live"}).context["cl"].result_list) == [live]
    assert list(editor_client.get(url, {"publication": "never"}).context["cl"].result_list) == [
        draft
    ]


# Performance -------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", ["issue", "image", "revision"])
def test_list_pages_do_not_query_once_per_row(editor_client, editor, make_issue, model):
    url = reverse(f"admin:newsletter_{model}_changelist")

    def add_rows(numbers):
        for number in numbers:
            issue = make_issue(number=number, updated_by=editor)
            make_revision(issue, created_by=editor)
            make_image(uploaded_by=editor)

    add_rows(range(1, 4))
    few = _queries(editor_client, url)
    add_rows(range(4, 11))
    many = _queries(editor_client, url)

    assert many == few


def test_paper_fields_are_all_editable_on_the_issue_page(editor_client, make_issue):
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    data = form_data(editor_client.get(url))
    data.update({"sections-1-papers-0-code_url": "https://github.com/example/transformer"})

    assert editor_client.post(url, data).status_code == 302
    assert Paper.objects.get().code_url == "https://github.com/example/transformer"


def test_sections_have_no_page_of_their_own(editor_client):
    assert editor_client.get("/admin/newsletter/section/add/").status_code == 404
    assert editor_client.get("/admin/newsletter/section/").status_code == 404
    assert Section.objects.count() == 0
