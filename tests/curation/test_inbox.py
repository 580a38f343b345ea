"""The link inbox: saving from the bookmarklet, a token or the page; the fill from the page
or arXiv (local servers); adding to a draft's section in one action; featured before."""

import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from curation.models import CaptureToken, SavedLink
from editorial.workflow import perform
from newsletter.models import Issue, Item, Paper, Section
from tests.helpers.local_server import LocalServer, Response
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

PAGE = """<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="Scaling laws, revisited">
<meta property="og:site_name" content="The Gradient">
<meta property="og:description" content="Why the curves bend.">
<meta property="og:image" content="/cover.png">
</head><body>Hello</body></html>"""


def png_bytes(width=640, height=360) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def site(local_fetching):
    with LocalServer(
        {
            "/post": Response(200, PAGE),
            "/cover.png": Response(200, png_bytes(), headers={"Content-Type": "image/png"}),
        }
    ) as running:
        yield running


@pytest.fixture
def token(editor):
    return CaptureToken.issue(editor, "phone")[1]


def post_link(client, token, payload, *, as_json=True):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if as_json:
        return client.post(
            "/api/inbox/links/", json.dumps(payload), content_type="application/json", **kwargs
        )
    return client.post("/api/inbox/links/", payload, **kwargs)


def test_a_link_posted_with_a_token_is_saved_and_filled_from_its_page(
    client, token, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_link(client, token, {"url": site.url("/post"), "text": "A quote."})
    assert response.status_code == 201
    link = SavedLink.objects.get(pk=response.json()["id"])
    assert link.via == SavedLink.Via.API
    assert link.saved_by.username == "eddie"
    assert link.status == SavedLink.Status.FILLED
    assert link.fetched_title == "Scaling laws, revisited"
    assert link.site_name == "The Gradient"
    assert link.description == "Why the curves bend."
    assert link.image_url == site.url("/cover.png")
    assert link.selected_text == "A quote."
    assert [seen.path for seen in site.seen] == ["/post"]  # fetched once


def test_a_form_post_works_too(client, token, site):
    response = post_link(client, token, {"url": site.url("/post"), "title": "T"}, as_json=False)
    assert response.status_code == 201
    assert SavedLink.objects.get().title == "T"


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer nope", "Basic abc"])
def test_the_endpoint_refuses_without_a_valid_token(client, header, editor):
    response = client.post(
        "/api/inbox/links/",
        json.dumps({"url": "https://example.com/"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not SavedLink.objects.exists()


def test_a_revoked_token_stops_working_at_once(client, editor, token):
    CaptureToken.objects.update(revoked_at=timezone.now())
    response = post_link(client, token, {"url": "https://example.com/"})
    assert response.status_code == 401


def test_an_admin_revokes_an_editors_token(admin_client, editor, token):
    row = CaptureToken.objects.get()
    response = admin_client.post(
        reverse("admin:curation_capturetoken_changelist"),
        {"action": "revoke", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "Revoked 1 token." in response.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_an_editor_makes_a_token_and_sees_it_once(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:curation_capturetoken_add"), {"label": "laptop script"}, follow=True
    )
    page = response.content.decode()
    row = CaptureToken.objects.get(label="laptop script")
    shown = page.split("shown only now, copy it): ")[1].split(" ")[0]
    assert shown.startswith(row.prefix)
    assert CaptureToken.objects.user_for(shown) == editor
    assert shown not in CaptureToken.objects.values_list("digest", flat=True)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"url": "not a link"}, "is not a web address"),
        ({"url": "javascript:alert(1)"}, "is not a web address"),
        ({}, "is not a web address"),
    ],
)
def test_bad_input_gets_a_clear_json_error(client, token, payload, message):
    response = post_link(client, token, payload)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_body_that_is_not_json_gets_a_clear_error(client, token):
    response = client.post(
        "/api/inbox/links/", "{nope", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]


def test_a_link_to_a_private_address_is_saved_but_not_fetched(
    client, token, settings, django_capture_on_commit_callbacks
):
    settings.CURATION_FETCH_ALLOWED_NETWORKS = []
    with LocalServer({"/": Response(200, PAGE)}) as private:
        with django_capture_on_commit_callbacks(execute=True):
            post_link(client, token, {"url": private.url("/")})
        assert private.seen == []
    link = SavedLink.objects.get()
    assert link.status == SavedLink.Status.REFUSED
    assert "loopback address" in link.message


def test_saving_the_same_link_again_keeps_one(client, token, site):
    post_link(client, token, {"url": site.url("/post?utm_source=feed")})
    post_link(client, token, {"url": site.url("/post#top"), "text": "Later quote"})
    link = SavedLink.objects.get()
    assert link.selected_text == "Later quote"


def test_the_bookmarklet_is_on_the_admin_home_page(client, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'class="curation-bookmarklet button" href="javascript:(function()' in page
    assert "http://testserver/admin/curation/savedlink/save/?popup=1" in page


def test_the_bookmarklet_page_saves_only_on_post(
    client, editor, site, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    query = {"popup": "1", "url": site.url("/post"), "title": "Page", "text": "chosen words"}
    page = client.get(reverse("admin:curation_savedlink_save"), query)
    assert page.status_code == 200 and not SavedLink.objects.exists()
    assert 'value="chosen words"' not in page.content.decode()  # a textarea, escaped
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(reverse("admin:curation_savedlink_save"), query)
    assert "Saved “Page” to the inbox." in saved.content.decode()
    link = SavedLink.objects.get()
    assert (link.via, link.title, link.selected_text) == ("bookmarklet", "Page", "chosen words")


def test_the_inbox_lists_links_with_what_was_fetched(
    client, editor, token, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_link(client, token, {"url": site.url("/post")})
    client.force_login(editor)
    page = client.get(reverse("admin:curation_savedlink_changelist")).content.decode()
    assert "Scaling laws, revisited" in page
    assert "The Gradient" in page
    assert "Why the curves bend." in page
    assert site.url("/cover.png") in page


def test_add_as_item_in_one_action_and_it_leaves_the_inbox(
    client, editor, token, site, make_issue, django_capture_on_commit_callbacks
):
    issue = make_issue()
    section = issue.sections.get(title="My work")
    with django_capture_on_commit_callbacks(execute=True):
        link_id = post_link(client, token, {"url": site.url("/post"), "text": "Quoted"}).json()[
            "id"
        ]
    client.force_login(editor)
    version = issue.version
    response = client.post(
        reverse("admin:curation_savedlink_addto", args=(link_id,)),
        {"section": section.pk, "as": "item", "picture_alt": "A blue rectangle"},
        follow=True,
    )
    assert (
        "Added “Scaling laws, revisited” to My work in issue #1 as an item; it left the inbox."
        in response.content.decode()
    )
    item = section.items.order_by("position").last()
    assert item.title == "Scaling laws, revisited"
    assert item.url == site.url("/post")
    assert item.source == "The Gradient"
    assert item.body == "> Quoted\n\nWhy the curves bend."
    assert item.position == 2
    assert item.image is not None and item.image.alt_text == "A blue rectangle"
    assert item.image.width == 640
    link = SavedLink.objects.get(pk=link_id)
    assert link.used_in == issue and link.used_at is not None
    assert not SavedLink.objects.in_inbox().exists()
    issue.refresh_from_db()
    assert issue.version == version + 1


def test_without_alt_text_no_picture_is_added(client, editor, token, site, make_issue):
    section = make_issue().sections.get(title="My work")
    link_id = post_link(client, token, {"url": site.url("/post")}).json()["id"]
    client.force_login(editor)
    client.post(
        reverse("admin:curation_savedlink_addto", args=(link_id,)),
        {"section": section.pk, "as": "item"},
    )
    assert section.items.order_by("position").last().image is None


def test_an_arxiv_link_is_filled_from_arxiv_and_added_as_a_paper(
    client, editor, token, arxiv_api, make_issue, django_capture_on_commit_callbacks
):
    section = make_issue().sections.get(title="Papers & research")
    with django_capture_on_commit_callbacks(execute=True):
        link_id = post_link(
            client, token, {"url": "https://arxiv.org/pdf/2201.12086v2.pdf"}
        ).json()["id"]
    link = SavedLink.objects.get(pk=link_id)
    assert link.status == "filled" and link.arxiv_id == "2201.12086v2"
    client.force_login(editor)
    client.post(
        reverse("admin:curation_savedlink_addto", args=(link_id,)),
        {"section": section.pk, "as": "paper"},
    )
    paper = Paper.objects.get(arxiv_id="2201.12086v2")
    assert paper.title.startswith("BLIP: Bootstrapping")
    assert paper.authors == "Junnan Li, Dongxu Li, Caiming Xiong, Steven Hoi"
    assert paper.code_url == "https://github.com/salesforce/BLIP"
    assert paper.paper_url == "https://arxiv.org/pdf/2201.12086v2"
    assert paper.summary.startswith("Vision-Language Pre-training")
    assert paper.position == 1


def test_arxiv_unreachable_leaves_a_message_and_the_link_can_still_be_added(
    client, editor, token, local_fetching, make_issue, django_capture_on_commit_callbacks
):
    local_fetching.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    local_fetching.ARXIV_MIN_INTERVAL = 0
    section = make_issue().sections.get(title="Papers & research")
    with django_capture_on_commit_callbacks(execute=True):
        link_id = post_link(client, token, {"url": "arxiv.org/abs/1706.03762"}).json()["id"]
    assert SavedLink.objects.get(pk=link_id).status == "failed"
    client.force_login(editor)
    assert (
        "arXiv could not be reached"
        in client.get(reverse("admin:curation_savedlink_changelist")).content.decode()
    )
    client.post(
        reverse("admin:curation_savedlink_addto", args=(link_id,)),
        {"section": section.pk, "as": "paper"},
    )
    paper = section.papers.order_by("position").last()
    assert (paper.arxiv_id, paper.authors) == ("1706.03762", "")  # typed by hand on the issue page


def test_nothing_is_added_to_an_issue_in_review(client, editor, token, site, make_issue):
    issue = make_issue()
    perform(issue, "submit", by=editor)
    section = issue.sections.get(title="My work")
    link_id = post_link(client, token, {"url": site.url("/post")}).json()["id"]
    client.force_login(editor)
    response = client.post(
        reverse("admin:curation_savedlink_addto", args=(link_id,)),
        {"section": section.pk, "as": "item"},
        follow=True,
    )
    assert "Issue #1 is in review, so nothing can be added to it" in response.content.decode()
    assert section.items.count() == 2
    assert SavedLink.objects.in_inbox().count() == 1


def test_reviewers_cannot_use_the_inbox(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("admin:curation_savedlink_changelist")).status_code == 403


def test_featured_before_is_shown_in_the_inbox_for_any_spelling(client, editor, token, published):
    published(number=1)
    post_link(client, token, {"url": "http://www.example.com/laptop/?utm_source=twitter#top"})
    client.force_login(editor)
    page = client.get(reverse("admin:curation_savedlink_changelist")).content.decode()
    assert "Featured before:" in page
    assert "#1, My work" in page
    assert "Fine-tuning on a laptop" in page


def test_featured_before_follows_a_recorded_redirect(
    client, editor, token, site, make_issue, django_capture_on_commit_callbacks
):
    issue = make_issue(number=1)
    Item.objects.filter(section__issue=issue, title="Fine-tuning on a laptop").update(
        url=site.url("/post")
    )
    publish(issue)
    site.routes["/moved"] = Response(301, headers={"Location": "/post"})
    with django_capture_on_commit_callbacks(execute=True):
        post_link(client, token, {"url": site.url("/moved")})
    client.force_login(editor)
    page = client.get(reverse("admin:curation_savedlink_changelist")).content.decode()
    assert "#1, My work" in page


def test_an_unpublished_issue_no_longer_counts_as_featured(client, editor, token, published):
    issue = published(number=1)
    perform(issue, "unpublish", by=_publisher())
    post_link(client, token, {"url": "https://example.com/laptop"})
    client.force_login(editor)
    assert (
        "Featured before"
        not in client.get(reverse("admin:curation_savedlink_changelist")).content.decode()
    )


def _publisher():
    from editorial.roles import PUBLISHERS
    from tests.helpers.workflow import role_user

    return role_user("wf-publisher", PUBLISHERS)


def test_the_featured_lookup_answers_for_what_is_typed(client, editor, published, make_issue):
    published(number=1)
    draft = make_issue(number=2)
    client.force_login(editor)
    response = client.get(
        reverse("admin:curation_savedlink_featured"),
        {"q": ["https://example.com/laptop?fbclid=1", "arXiv:1706.03762v3", "https://x.org/"],
         "issue": draft.pk},
    )  # fmt: skip
    data = response.json()
    assert [a["number"] for a in data["https://example.com/laptop?fbclid=1"]] == [1]
    assert data["arXiv:1706.03762v3"][0]["title"] == "Attention Is All You Need"
    assert data["https://x.org/"] == []


def test_discard_removes_a_link(client, editor, token):
    link_id = post_link(client, token, {"url": "https://example.org/a"}).json()["id"]
    client.force_login(editor)
    client.post(reverse("admin:curation_savedlink_discard", args=(link_id,)))
    assert not SavedLink.objects.exists()


def test_issue_numbers_and_sections_are_untouched_by_a_refused_add(client, editor, token):
    link_id = post_link(client, token, {"url": "https://example.org/a"}).json()["id"]
    client.force_login(editor)
    response = client.post(
        reverse("admin:curation_savedlink_addto", args=(link_id,)), {"section": "999"}, follow=True
    )
    assert "Choose the section" in response.content.decode()
    assert not Item.objects.exists() and not Issue.objects.exists() and not Section.objects.exists()
