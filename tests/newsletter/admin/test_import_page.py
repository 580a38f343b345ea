"""The admin's "New issue from markdown" page: paste or upload, and a draft issue is made."""

import html
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from newsletter.models import Issue, Item, Paper, Section
from tests.helpers.markdown_issues import JUNE

pytestmark = pytest.mark.django_db

URL = "/admin/newsletter/issue/import/"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def md_file(content: str | bytes, name="june.md") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/markdown")


def textarea_value(response) -> str:
    match = re.search(r'<textarea[^>]*name="text"[^>]*>\n?(.*?)</textarea>', response.text, re.S)
    assert match, "no text box on the page"
    return html.unescape(match.group(1))


def errors(response) -> str:
    return html.unescape(
        " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S))
    )


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def nothing_saved() -> bool:
    return not (Issue.objects.exists() or Section.objects.exists() or Item.objects.exists())


# Getting there -----------------------------------------------------------------------


def test_the_issue_list_links_to_the_page_for_people_who_may_add_issues(client, editor, reviewer):
    client.force_login(editor)
    page = client.get(reverse("admin:newsletter_issue_changelist"))
    assert f'<a href="{URL}">New issue from markdown</a>' in page.text

    client.force_login(reviewer)
    page = client.get(reverse("admin:newsletter_issue_changelist"))
    assert page.status_code == 200
    assert "New issue from markdown" not in page.text


def test_the_page_shows_a_form_with_the_next_number(editor_client, make_issue):
    make_issue(number=5)
    response = editor_client.get(URL)

    assert response.status_code == 200
    assert reverse("newsletter_issue_import") == URL
    assert 'enctype="multipart/form-data"' in response.text
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert 'name="number"' in response.text and 'placeholder="6"' in response.text
    assert 'type="file" name="file"' in response.text
    assert "New issue from markdown" in response.text


def test_people_without_the_add_permission_are_refused(client, reviewer, publisher):
    for user in (reviewer, publisher):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"text": JUNE}).status_code == 403
    assert nothing_saved()


def test_anonymous_and_non_staff_visitors_are_sent_to_the_login(client, django_user_model):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    client.force_login(django_user_model.objects.create_user("reader", password="x" * 12))
    response = client.post(URL, {"text": JUNE})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert nothing_saved()


def test_only_get_and_post(editor_client):
    assert editor_client.put(URL).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    assert client.post(URL, {"text": JUNE}).status_code == 403
    assert nothing_saved()


def test_a_post_with_the_pages_csrf_token_imports(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(URL)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    response = client.post(URL, {"text": JUNE, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Issue.objects.count() == 1


# Importing ---------------------------------------------------------------------------


def test_pasted_text_becomes_a_draft_issue_and_the_page_says_what_was_made(
    editor_client, editor, make_issue
):
    make_issue(number=8)
    response = editor_client.post(URL, {"text": JUNE.replace("\n", "\r\n"), "number": ""})

    issue = Issue.objects.get(number=9)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:newsletter_issue_change", args=(issue.pk,))
    assert (issue.state, issue.created_by, issue.updated_by) == ("draft", editor, editor)
    assert issue.sections.count() == 4
    assert Item.objects.filter(section__issue=issue).count() == 7
    assert Paper.objects.filter(section__issue=issue).count() == 4
    shown = messages_of(response)
    assert shown[0] == (
        "success",
        "Imported issue #9 “Machine Learning Monthly, June: small models grow up” as a draft: "
        "7 items and 4 papers in 4 sections (My work: 2 items, 0 papers; From the internet: "
        "3 items, 0 papers; Papers & research: 0 items, 4 papers; A couple of cool things: "
        "2 items, 0 papers).",
    )
    assert shown[1][0] == "warning"
    assert "2 pictures point at files that are not uploaded here yet" in shown[1][1]
    assert "figures/evals.png in “A tiny eval harness that fits in one file”" in shown[1][1]


def test_the_new_issue_opens_in_the_editor(editor_client):
    response = editor_client.post(URL, {"text": JUNE}, follow=True)

    assert response.status_code == 200
    assert "Imported issue #1" in response.text
    assert "A tiny eval harness that fits in one file" in response.text


def test_an_uploaded_file_becomes_a_draft_issue_with_the_number_asked_for(editor_client):
    response = editor_client.post(URL, {"file": md_file(JUNE), "number": "30"})

    assert response.status_code == 302
    issue = Issue.objects.get()
    assert (issue.number, issue.slug) == (30, "machine-learning-monthly-june-small-models-grow-up")


def test_importing_the_same_text_twice_makes_two_issues_with_their_own_slugs(editor_client):
    editor_client.post(URL, {"text": JUNE})
    editor_client.post(URL, {"text": JUNE})
    assert list(Issue.objects.order_by("number").values_list("number", "slug")) == [
        (1, "machine-learning-monthly-june-small-models-grow-up"),
        (2, "machine-learning-monthly-june-small-models-grow-up-2"),
    ]


# Refusing, and keeping the input -----------------------------------------------------


def test_pasted_text_without_a_title_is_refused_and_kept(editor_client):
    text = "Forgot the title\n\n## My work\n\n### Something <script>alert(1)</script>\n"
    response = editor_client.post(URL, {"text": text, "number": "4"})

    assert response.status_code == 200
    assert "Nothing was imported" in response.text
    assert "The issue has no title" in errors(response)
    assert textarea_value(response).replace("\r\n", "\n") == text
    assert "<script>alert(1)</script>" not in response.text  # kept, escaped
    assert 'value="4"' in response.text
    assert nothing_saved()


def test_an_uploaded_file_that_does_not_import_is_put_in_the_box_to_correct(editor_client):
    text = "## Papers\n\n### [A paper](https://arxiv.org/abs/2201.12086)\n"
    response = editor_client.post(URL, {"file": md_file(text)})

    assert response.status_code == 200
    assert "The issue has no title" in errors(response)
    assert textarea_value(response).replace("\r\n", "\n") == text
    assert "The text of the file you uploaded is in the box below" in response.text
    assert nothing_saved()


def test_every_bad_value_is_listed_naming_its_entry(editor_client):
    text = (
        "# July\n\n## From the internet\n\n"
        f"### [A link too far](https://example.com/{'x' * 1000})\n\n"
        "### [Sneaky](javascript:alert(1))\n\n"
        f"## Papers\n\n### [{'Title ' * 90}](https://arxiv.org/abs/2201.12086)\n"
    )
    response = editor_client.post(URL, {"text": text})

    shown = errors(response)
    assert response.status_code == 200
    assert "Line 5, entry “A link too far” in “From the internet”: URL: Ensure this value" in shown
    assert "Line 7, entry “Sneaky” in “From the internet”: URL: Enter a valid URL." in shown
    assert "Line 11, paper “Title Title" in shown and "at most 500 characters" in shown
    assert textarea_value(response).replace("\r\n", "\n") == text
    assert nothing_saved()


def test_a_taken_number_is_an_error_on_the_number_and_keeps_the_text(editor_client, make_issue):
    make_issue(number=2, title="Taken already")
    response = editor_client.post(URL, {"text": JUNE, "number": "2"})

    assert response.status_code == 200
    assert "Issue number 2 is taken" in errors(response)
    assert "next free one (3)" in errors(response)
    assert textarea_value(response).replace("\r\n", "\n") == JUNE
    assert Issue.objects.count() == 1


@pytest.mark.parametrize("number", ["0", "-3", "abc", "99999999999"])
def test_a_number_that_is_not_one_is_refused(editor_client, number):
    response = editor_client.post(URL, {"text": JUNE, "number": number})
    assert response.status_code == 200
    assert errors(response)
    assert nothing_saved()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "The submitted file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is not a text file"),
        ("# Caf\u00e9\n".encode("cp1252"), "is not UTF-8 text"),
        (b"# Big\n" + b"x" * (10 * 1024 * 1024), "is 10.0 MB; the largest issue that can be"),
    ],
)
def test_bad_files_are_refused(editor_client, data, says):
    response = editor_client.post(URL, {"file": md_file(data, "june.md")})

    assert response.status_code == 200
    assert says in errors(response)
    assert nothing_saved()


def test_the_limit_is_named_for_a_big_file(editor_client):
    response = editor_client.post(URL, {"file": md_file(b"# Big\n" + b"x" * (10 * 1024 * 1024))})
    assert "1 MB" in errors(response)


def test_both_text_and_file_is_refused_keeping_the_text(editor_client):
    response = editor_client.post(URL, {"text": JUNE, "file": md_file(JUNE)})

    assert response.status_code == 200
    assert "both pasted text and a file" in errors(response)
    assert textarea_value(response).replace("\r\n", "\n") == JUNE
    assert nothing_saved()


def test_nothing_at_all_is_refused(editor_client):
    response = editor_client.post(URL, {"text": "  \r\n "})
    assert "Paste the issue's markdown, or choose a .md file." in errors(response)
    assert nothing_saved()
