"""Previews: staff see the working copy or any revision through the public template; a
signed, expiring, revocable link lets someone without an account read it too."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from editorial import previews
from editorial.models import ShareLinkKey
from editorial.roles import EDITORS
from editorial.workflow import perform
from newsletter.models import Item
from tests.helpers.reader import public_url
from tests.helpers.workflow import publish, role_user

pytestmark = pytest.mark.django_db

PRIVATE = "private, no-store"
BANNER = 'class="preview-banner"'


def text(response) -> str:
    return response.content.decode()


def main_of(response) -> str:
    """The page's <main>: everything but the banner and the head."""
    return re.search(r"<main[^>]*>(.*)</main>", text(response), re.S).group(1)


def working_url(issue):
    return reverse("editorial:preview-working-copy", args=[issue.pk])


def revision_url(issue, number):
    return reverse("editorial:preview-revision", args=[issue.pk, number])


def shared_url(token):
    return reverse("editorial:shared-preview", args=[token])


def rename_first_item(issue, title):
    Item.objects.filter(section__issue=issue, title="Fine-tuning on a laptop").update(title=title)


@pytest.fixture
def published_then_edited(make_issue):
    """Revision 1 live; revision 2, with a renamed item, submitted for review."""
    issue = make_issue()
    publish(issue)
    rename_first_item(issue, "Fine-tuning on a phone")
    perform(issue, "submit", by=role_user("wf-editor", EDITORS))
    issue.refresh_from_db()
    return issue


@pytest.fixture
def shared_link(client, editor):
    """POST to share-create as the editor and return the path of the link it announces."""

    def share(issue, target="working", **data):
        client.force_login(editor)
        response = client.post(
            reverse("editorial:share-create", args=[issue.pk]), {"target": target, **data}
        )
        client.logout()
        assert response.status_code == 302
        url = re.search(r"https?://\S+", str(list(get_messages(response.wsgi_request))[-1]))
        return urlsplit(url.group(0)).path

    return share


# Staff previews ------------------------------------------------------------------------


def test_staff_preview_of_the_working_copy_shows_unpublished_text(client, editor, make_issue):
    issue = make_issue(title="A draft nobody has read")
    client.force_login(editor)

    response = client.get(working_url(issue))

    assert response.status_code == 200
    page = text(response)
    assert "A draft nobody has read" in page
    assert "Fine-tuning on a laptop" in page
    assert "Preview of the working copy — not published" in page
    assert "<strong>draft</strong>" in page
    assert reverse("admin:newsletter_issue_change", args=[issue.pk]) in page


def test_the_working_copy_preview_follows_edits_without_a_new_revision(client, editor, make_issue):
    issue = make_issue()
    client.force_login(editor)
    rename_first_item(issue, "Typed a minute ago")

    assert "Typed a minute ago" in text(client.get(working_url(issue)))


def test_anonymous_visitor_is_sent_to_the_login_page_from_a_staff_preview(client, make_issue):
    issue = make_issue()
    for url in (working_url(issue), reverse("editorial:diff", args=[issue.pk, 1])):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_logged_in_user_who_is_not_staff_is_refused_the_preview(
    client, django_user_model, make_issue
):
    issue = make_issue()
    reader = django_user_model.objects.create_user("reader", password="correct horse battery")
    client.force_login(reader)

    response = client.get(working_url(issue))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "Fine-tuning" not in text(response)


def test_staff_without_permission_to_view_issues_get_403(client, django_user_model, make_issue):
    issue = make_issue()
    staff = django_user_model.objects.create_user("intern", password="x", is_staff=True)
    client.force_login(staff)

    response = client.get(working_url(issue))

    assert response.status_code == 403
    assert "Fine-tuning" not in text(response)


def test_revision_preview_shows_that_revisions_text_and_whether_it_is_live(
    client, reviewer, published_then_edited
):
    issue = published_then_edited
    client.force_login(reviewer)

    first = text(client.get(revision_url(issue, 1)))
    second = text(client.get(revision_url(issue, 2)))

    assert "Fine-tuning on a laptop" in first
    assert "Fine-tuning on a phone" not in first
    assert "Preview of revision 1 — live" in first
    assert "Fine-tuning on a phone" in second
    assert "Preview of revision 2 — never published" in second
    assert reverse("editorial:diff", args=[issue.pk, 2]) in second


def test_revision_preview_of_a_scheduled_revision_says_when_it_goes_live(
    client, reviewer, make_issue
):
    issue = make_issue()
    publish(issue, at=timezone.now() + timedelta(days=2))
    client.force_login(reviewer)

    page = text(client.get(revision_url(issue, 1)))

    assert "Preview of revision 1 — scheduled" in page
    assert "It goes live on" in page


def test_preview_of_a_revision_that_does_not_exist_is_404(client, editor, make_issue):
    issue = make_issue()
    client.force_login(editor)

    assert client.get(revision_url(issue, 7)).status_code == 404
    assert client.get(working_url(issue).replace(str(issue.pk), "999999")).status_code == 404


def test_a_revision_preview_is_the_public_page_plus_a_banner(client, editor, make_issue):
    issue = make_issue()
    publish(issue, at=timezone.now() - timedelta(days=3))
    rename_first_item(issue, "Fine-tuning on a phone")
    publish(issue)
    client.force_login(editor)

    public = client.get(public_url(issue))
    preview = client.get(revision_url(issue, 2))

    assert main_of(preview) == main_of(public)
    assert BANNER in text(preview)


def test_preview_responses_carry_no_store_and_noindex_headers(
    client, editor, published_then_edited, shared_link
):
    issue = published_then_edited
    share_path = shared_link(issue)
    client.force_login(editor)
    urls = [
        working_url(issue),
        revision_url(issue, 2),
        reverse("editorial:diff", args=[issue.pk, 2]),
        share_path,
        shared_url("not-a-token"),
    ]
    for url in urls:
        response = client.get(url)

        assert response["Cache-Control"] == PRIVATE, url
        assert response["X-Robots-Tag"] == "noindex, nofollow", url
        assert response["Referrer-Policy"] == "no-referrer", url
        assert '<meta name="robots" content="noindex">' in text(response), url


def test_the_public_issue_page_has_no_banner_and_stays_publicly_cacheable(client, make_issue):
    issue = make_issue()
    publish(issue)

    response = client.get(public_url(issue))

    assert response.status_code == 200
    assert BANNER not in text(response)
    assert "not published" not in text(response)
    assert 'name="robots"' not in text(response)
    assert response["Cache-Control"].startswith("public, max-age=")
    assert "X-Robots-Tag" not in response


# Share links ---------------------------------------------------------------------------


def test_a_share_link_lets_an_anonymous_reader_see_the_draft_without_an_account(
    client, make_issue, shared_link
):
    issue = make_issue(title="Shared before publication")
    path = shared_link(issue)

    response = client.get(path)

    assert response.status_code == 200
    page = text(response)
    assert "Shared before publication" in page
    assert "Fine-tuning on a laptop" in page
    assert "Shared preview — not published" in page
    assert reverse("admin:newsletter_issue_change", args=[issue.pk]) not in page


def test_creating_a_share_link_announces_its_absolute_url(client, editor, make_issue):
    issue = make_issue()
    client.force_login(editor)

    response = client.post(
        reverse("editorial:share-create", args=[issue.pk]), {"target": "working", "days": "3"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:newsletter_issue_change", args=[issue.pk])
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert re.search(r"http://testserver/preview/\S+/", message)


def test_a_shared_working_copy_link_shows_the_working_copy_as_it_is_now(
    client, make_issue, shared_link
):
    issue = make_issue()
    path = shared_link(issue)
    rename_first_item(issue, "Edited after sharing")

    assert "Edited after sharing" in text(client.get(path))


def test_a_share_link_for_a_revision_shows_that_revision(
    client, published_then_edited, shared_link
):
    issue = published_then_edited
    path = shared_link(issue, target="1")
    rename_first_item(issue, "Should not be seen")

    page = text(client.get(path))

    assert "Fine-tuning on a laptop" in page
    assert "Fine-tuning on a phone" not in page
    assert "Revision 1 of issue #1" in page


def test_a_tampered_share_link_fails_with_a_friendly_page(client, make_issue, shared_link):
    issue = make_issue()
    path = shared_link(issue)
    token = path.strip("/").split("/")[-1]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    response = client.get(shared_url(tampered))

    assert response.status_code == 404
    assert "Preview not available" in text(response)
    assert "Fine-tuning" not in text(response)


def test_a_value_signed_for_another_purpose_is_not_a_share_link(client, make_issue):
    issue = make_issue(title="Signed elsewhere")
    token = signing.TimestampSigner().sign_object(
        {"i": issue.pk, "t": "working", "g": 1, "d": 7}, compress=True
    )

    response = client.get(shared_url(token))

    assert response.status_code == 404
    assert "Signed elsewhere" not in text(response)


def test_an_expired_share_link_fails_with_a_friendly_page(client, make_issue, shared_link):
    issue = make_issue()
    path = shared_link(issue)

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(path)

    assert response.status_code == 410
    assert "expired" in text(response)
    assert "Fine-tuning" not in text(response)


def test_a_share_link_lasts_as_many_days_as_asked(client, make_issue, shared_link):
    issue = make_issue()
    path = shared_link(issue, days="10")

    with time_machine.travel(timezone.now() + timedelta(days=9)):
        assert client.get(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        assert client.get(path).status_code == 410


@pytest.mark.parametrize("days", ["0", "31", "soon"])
def test_a_share_link_cannot_last_outside_one_to_thirty_days(client, editor, make_issue, days):
    issue = make_issue()
    client.force_login(editor)

    response = client.post(
        reverse("editorial:share-create", args=[issue.pk]), {"target": "working", "days": days}
    )

    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "between 1 and 30 days" in message
    assert "/preview/" not in message


def test_a_share_link_for_a_revision_that_does_not_exist_is_refused(client, editor, make_issue):
    issue = make_issue()
    client.force_login(editor)

    response = client.post(reverse("editorial:share-create", args=[issue.pk]), {"target": "4"})

    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "has no revision 4" in message


def test_share_links_are_created_only_by_staff_who_can_view_the_issue(
    client, django_user_model, make_issue
):
    issue = make_issue()
    url = reverse("editorial:share-create", args=[issue.pk])

    assert client.post(url, {"target": "working"}).status_code == 302  # to the login page
    staff = django_user_model.objects.create_user("intern", password="x", is_staff=True)
    client.force_login(staff)
    assert client.post(url, {"target": "working"}).status_code == 403
    assert client.get(url).status_code == 405


def test_a_share_link_issued_before_a_revoke_fails_with_a_friendly_page(
    client, editor, make_issue, shared_link
):
    issue = make_issue()
    path = shared_link(issue)
    client.force_login(editor)

    response = client.post(reverse("editorial:share-revoke", args=[issue.pk]))

    assert response.status_code == 302
    assert "no longer works" in str(list(get_messages(response.wsgi_request))[-1])
    key = ShareLinkKey.objects.get(issue=issue)
    assert (key.generation, key.revoked_by) == (2, editor)
    client.logout()
    refused = client.get(path)
    assert refused.status_code == 410
    assert "withdrawn" in text(refused)
    assert "Fine-tuning" not in text(refused)
    assert client.get(shared_link(issue)).status_code == 200  # a new link works


def test_revoking_one_issues_links_leaves_other_issues_links_working(
    client, editor, make_issue, shared_link
):
    first, second = make_issue(), make_issue(number=2)
    second_path = shared_link(second)
    client.force_login(editor)
    client.post(reverse("editorial:share-revoke", args=[first.pk]))
    client.logout()

    assert client.get(second_path).status_code == 200


def test_read_share_token_explains_why_a_token_is_refused(make_issue):
    issue = make_issue()
    token = previews.make_share_token(issue, 3, days=1)

    assert previews.read_share_token(token) == (issue, 3)
    with pytest.raises(previews.InvalidShareLink, match="not valid"):
        previews.read_share_token("garbage")
    with (
        time_machine.travel(timezone.now() + timedelta(days=2)),
        pytest.raises(previews.ExpiredShareLink),
    ):
        previews.read_share_token(token)
    previews.revoke_share_links(issue, by=None)
    with pytest.raises(previews.RevokedShareLink):
        previews.read_share_token(token)
