"""Random text at every door readers and editors use: never a 500, a message when refused.

Hypothesis throws strings of any Unicode (control characters and NUL included, surrogates
excluded: they cannot travel in UTF-8), very long ones and the XSS corpus at search, every
public URL pattern, the JSON API's parameters, the subscribe form and the admin's forms
(posted as an editor through the test client, with CSRF checks on).
"""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editorial.roles import EDITORS
from editorial.workflow import perform
from newsletter.content.images import ingest
from newsletter.models import Image, Issue
from tests.helpers.admin import form_data
from tests.helpers.images import image_bytes, upload
from tests.helpers.workflow import role_user
from tests.hostile.corpus import VECTORS

pytestmark = pytest.mark.django_db


def examples(count: int):
    """Few examples each, by what one costs: every example is a real request (or several)."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
long_text = st.builds(
    lambda piece, times: piece * times,
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=8),
    st.integers(min_value=200, max_value=30_000),
)
hostile_text = st.one_of(any_text, any_text, long_text, st.sampled_from(VECTORS))
segment = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
    st.sampled_from(["0", "-1", "01", "9" * 30, "1-", "..", "%00", "%ff", "%2F", "1-x"]),
)


def fine(response) -> None:
    assert response.status_code < 500, response.status_code


def refused_with_words(response) -> None:
    """A 4xx page names what went wrong instead of showing a bare status."""
    if 400 <= response.status_code < 500 and response.status_code != 404:
        body = response.content.decode("utf-8", "replace")
        text = re.sub(r"<[^>]+>", " ", body)
        assert len(text.split()) >= 3, (response.status_code, body[:300])


@pytest.fixture
def live_issue(published):
    return published(1)


@examples(25)
@given(q=hostile_text)
def test_search_answers_any_query_without_a_server_error(client, live_issue, q):
    response = client.get(reverse("newsletter:search"), {"q": q})
    fine(response)
    refused_with_words(response)


PATTERNS = [
    "/issues/{}/",
    "/issues/1-{}/",
    "/issues/{}-issue-1/",
    "/issues/1-{}/email/",
    "/issues/1-{}/email.txt",
    "/{}/",
    "/api/issues/{}/",
    "/preview/{}/",
    "/subscribe/confirm/{}/",
    "/subscription/{}/",
    "/unsubscribe/{}/",
    "/feed/{}/",
    "/search/{}",
]
PAGES = ["/", "/issues/", "/papers/", "/search/", "/feed/rss/", "/feed/atom/", "/sitemap.xml",
         "/api/issues/", "/api/issues/1/", "/issues/1-issue-1/", "/subscribe/"]  # fmt: skip


@examples(40)
@given(pattern=st.sampled_from(PATTERNS), value=segment)
def test_every_public_url_pattern_answers_any_path_segment(client, live_issue, pattern, value):
    fine(client.get(pattern.format(quote(value, safe=""))))


@examples(30)
@given(
    page=st.sampled_from(PAGES),
    params=st.dictionaries(
        st.sampled_from(["q", "page", "p", "format", "o", "utm_source", "x"]),
        hostile_text,
        max_size=3,
    ),
)
def test_every_public_page_answers_any_query_string(client, live_issue, page, params):
    response = client.get(page, params)
    fine(response)


@examples(25)
@given(page=st.one_of(hostile_text, st.integers().map(str)), number=segment)
def test_the_api_answers_any_page_or_number_with_json(client, live_issue, page, number):
    listing = client.get("/api/issues/", {"page": page})
    fine(listing)
    if listing.status_code != 200:
        assert listing["Content-Type"].startswith("application/json")
        assert listing.json()  # a body that says what was wrong
    fine(client.get(f"/api/issues/{quote(number, safe='')}/"))


@examples(20)
@given(email=st.one_of(hostile_text, st.emails()), name=hostile_text)
def test_the_subscribe_form_refuses_bad_input_with_a_message(db, email, name):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/subscribe/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/subscribe/", {"email": email, "name": name, "csrfmiddlewaretoken": token}
    )
    fine(response)
    assert response.status_code in (200, 400, 429)
    refused_with_words(response)


# The admin's forms ----------------------------------------------------------------------


@pytest.fixture
def editor_client(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    return client


def _csrf(client, response) -> str:
    return (
        client.cookies["csrftoken"].value
        if "csrftoken" in client.cookies
        else (response.context["csrf_token"])
    )


TEXT_FIELD = re.compile(
    r"(^|-)(title|summary|intro|body|source|url|authors|arxiv_id|paper_url|code_url|demo_url)$"
)


@pytest.fixture
def composer(editor_client, make_issue):
    """The issue composer's page and the data it would post back unchanged."""
    issue = make_issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    response = editor_client.get(url)
    data = form_data(response)
    data["csrfmiddlewaretoken"] = _csrf(editor_client, response)
    data["_continue"] = "1"
    fields = sorted(name for name in data if TEXT_FIELD.search(name))
    return issue, url, data, fields


@examples(12)
@given(data=st.data(), value=hostile_text)
def test_the_composer_saves_or_explains_any_text_in_any_field(editor_client, composer, data, value):
    issue, url, posted, fields = composer
    name = data.draw(st.sampled_from(fields), label="field")
    body = {**posted, name: value}
    body["base_version"] = str(Issue.objects.get(pk=issue.pk).version)
    response = editor_client.post(url, body)
    fine(response)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        # Shown again with the error beside the field, the typed text kept.
        assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()


@pytest.fixture
def picture(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    image = ingest(upload(image_bytes()), alt_text="A gradient", uploaded_by=editor)
    return client, Image.objects.get(pk=image.pk)


@examples(15)
@given(field=st.sampled_from(["alt_text", "caption", "credit", "credit_url"]), value=hostile_text)
def test_the_picture_form_saves_or_explains_any_words(picture, field, value):
    client, image = picture
    url = reverse("admin:newsletter_image_change", args=[image.pk])
    page = client.get(url)
    body = {**form_data(page), field: value, "csrfmiddlewaretoken": _csrf(client, page)}
    body.pop("file", None)
    response = client.post(url, body)
    fine(response)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert "errorlist" in response.content.decode()


@examples(8)
@given(comment=hostile_text)
def test_a_review_comment_is_taken_or_refused_with_a_message(reviewer, make_issue, comment):
    issue = make_issue(number=Issue.next_number())
    perform(issue, "submit", by=role_user("prop-editor", EDITORS))
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    page = client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    response = client.post(
        reverse("admin:newsletter_issue_transition", args=[issue.pk, "request_changes"]),
        {"comment": comment, "csrfmiddlewaretoken": _csrf(client, page)},
    )
    fine(response)
    assert response.status_code == 302


@examples(25)
@given(content=hostile_text)
def test_the_markdown_preview_answers_any_text(editor_client, content):
    page = editor_client.get(reverse("admin:index"))
    response = editor_client.post(
        reverse("markdownx_markdownify"),
        {"content": content, "csrfmiddlewaretoken": _csrf(editor_client, page)},
    )
    fine(response)
    assert response.status_code in (200, 400)
    refused_with_words(response)
