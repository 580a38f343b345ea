"""Every output that shows an issue's words, fetched as the people who see it.

Each function returns a list of Output: what kind of page it is (so a hostile page is
compared with the benign page of the same kind), how to read it, and its body.
"""

import json
import xml.etree.ElementTree as ET  # noqa: S405 - our own feeds, parsed to check them
from dataclasses import dataclass

from django.core import mail
from django.test import Client
from django.urls import reverse

from editorial import previews
from newsletter.models import Image, Revision
from tests.helpers.admin import form_data

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"


@dataclass
class Output:
    kind: str  # e.g. "issue page", "atom summary"
    where: str  # the URL or message it came from
    body: str
    fragment: bool = False  # an HTML fragment (a feed's description), not a document


def get(client: Client, url: str, *, expect=(200,)) -> str:
    response = client.get(url)
    assert response.status_code in expect, (url, response.status_code)
    return response.content.decode()


def html_page(kind: str, client: Client, url: str) -> Output:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html"), url
    return Output(kind, url, response.content.decode())


def plain_text(kind: str, client: Client, url: str) -> Output:
    """A text/plain body is inert by its type, as long as it is served as that type."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/plain"), url
    assert response["X-Content-Type-Options"] == "nosniff", url
    return Output(kind, url, "")


def json_api(kind: str, client: Client, url: str) -> list[Output]:
    """The API's JSON: it parses, and its *_html strings are checked as fragments."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json"), url
    assert response["X-Content-Type-Options"] == "nosniff", url
    found, urls = [], []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key.endswith("_html"):
            found.append(Output(f"{kind} {key}", url, value, fragment=True))
        elif isinstance(value, str) and key.endswith("url") and value:
            urls.append(value)

    walk(json.loads(response.content))
    assert all(u.startswith(("http://", "https://")) for u in urls), urls
    return found


def feed(kind: str, client: Client, url: str, titles: list[str]) -> list[Output]:
    """RSS or Atom: parsed as XML; titles are plain text written exactly once escaped, and
    every field a reader shows as HTML is an HTML fragment to check."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    found = []
    if root.tag == "rss":
        entries = root.iter("item")
        for entry in entries:
            title = entry.findtext("title")
            assert title in titles, title  # the text as written, not markup
            found.append(Output(f"{kind} description", url, entry.findtext("description"), True))
            found.append(Output(f"{kind} content", url, entry.findtext(f"{CONTENT}encoded"), True))
    else:
        for entry in root.iter(f"{ATOM}entry"):
            title = entry.find(f"{ATOM}title")
            assert title.get("type", "text") == "text", title.attrib
            assert title.text in titles, title.text
            for name in ("summary", "content"):
                element = entry.find(f"{ATOM}{name}")
                assert element.get("type") == "html", element.attrib
                found.append(Output(f"{kind} {name}", url, element.text, True))
    return found


def sitemap(client: Client) -> None:
    root = ET.fromstring(get(client, "/sitemap.xml"))  # noqa: S314 - our own sitemap
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locations and all(loc.startswith("http://testserver/") for loc in locations)


def emails(kind: str, messages) -> list[Output]:
    """Notifications: one-line subjects, plain text bodies, any HTML part checked."""
    found = []
    for message in messages:
        assert "\n" not in message.subject and "\r" not in message.subject, message.subject
        assert message.content_subtype == "plain", message.subject
        message.message()  # Django refuses a header with a line break in it
        for content, mimetype in getattr(message, "alternatives", []):
            assert mimetype == "text/html"
            found.append(Output(f"{kind} html", message.subject, content))
    return found


def public_issue(client: Client, issue) -> list[Output]:
    revision = Revision.objects.live().get(issue=issue)
    page = revision.get_absolute_url()
    email = {"number": issue.number, "slug": revision.content.issue.slug}
    short = client.get(f"/issues/{issue.number}/")
    assert (short.status_code, short["Location"]) == (301, page)
    return [
        html_page("issue page", client, page),
        html_page("email edition", client, reverse("newsletter:issue-email", kwargs=email)),
        plain_text("email text", client, reverse("newsletter:issue-email-text", kwargs=email)),
        *json_api("api detail", client, f"/api/issues/{issue.number}/"),
    ]


def public_site(client: Client, titles: list[str], searches: list[str]) -> list[Output]:
    search = reverse("newsletter:search")
    found = [
        html_page("home", client, "/"),
        html_page("archive", client, "/issues/"),
        html_page("papers", client, reverse("newsletter:papers")),
        *json_api("api list", client, "/api/issues/"),
        *feed("rss", client, reverse("newsletter:feed-rss"), titles),
        *feed("atom", client, reverse("newsletter:feed-atom"), titles),
    ]
    for words in searches:
        response = client.get(search, {"q": words})
        assert response.status_code in (200, 400), (words, response.status_code)
        found.append(Output("search", f"{search}?q={words!r}", response.content.decode()))
    sitemap(client)
    return found


def admin_draft(clients: dict, issue) -> list[Output]:
    """The working copy back in draft with the hostile words: composer, previews, share."""
    editor = clients["editor"]
    change = reverse("admin:newsletter_issue_change", args=[issue.pk])
    token = previews.make_share_token(issue, previews.WORKING)
    composer = editor.get(change)
    assert composer.status_code == 200
    preview_url = change.replace("/change/", "/preview/")
    preview = editor.post(preview_url, form_data(composer))
    assert preview.status_code == 200, preview.status_code
    assert "Fix the errors" not in preview.content.decode()
    return [
        html_page("admin index (sent back)", editor, reverse("admin:index")),
        Output("composer", change, composer.content.decode()),
        Output("composer preview", preview_url, preview.content.decode()),
        html_page(
            "working preview",
            editor,
            reverse("editorial:preview-working-copy", args=[issue.pk]),
        ),
        html_page("share link", Client(), reverse("editorial:shared-preview", args=[token])),
    ]


def admin_in_review(clients: dict, issue, number: int) -> list[Output]:
    reviewer = clients["reviewer"]
    return [
        html_page("admin index (review queue)", reviewer, reverse("admin:index")),
        html_page("diff", reviewer, reverse("editorial:diff", args=[issue.pk, number])),
        html_page(
            "revision preview",
            reviewer,
            reverse("editorial:preview-revision", args=[issue.pk, number]),
        ),
    ]


def admin_approved(clients: dict) -> list[Output]:
    return [html_page("admin index (publish queue)", clients["publisher"], reverse("admin:index"))]


def admin_published(clients: dict, issue) -> list[Output]:
    """The published issue's own admin pages: its revision, its email, its pictures."""
    root = clients["root"]
    revision = Revision.objects.live().get(issue=issue)
    # The composer and its timeline were read in draft (admin_draft), comment included.
    found = [
        html_page(
            "revision change", root, reverse("admin:newsletter_revision_change", args=[revision.pk])
        ),
        html_page(
            "revision email download",
            root,
            reverse("admin:newsletter_revision_email", args=[revision.pk, "html"]),
        ),
    ]
    for image in Image.objects.filter(pk=issue.hero_image_id):
        change = reverse("admin:newsletter_image_change", args=[image.pk])
        found.append(html_page("image change", root, change))
    # The picture dialog reads this JSON and writes its words with textContent only.
    chooser = root.get(reverse("admin:newsletter_image_choose"), {"q": "alert"})
    assert chooser.status_code == 200 and chooser["Content-Type"] == "application/json"
    json.loads(chooser.content)
    return found


def admin_lists(clients: dict) -> list[Output]:
    """The lists that show every issue: changelists, their search, the calendar."""
    root = clients["root"]
    issues = reverse("admin:newsletter_issue_changelist")
    return [
        html_page("issue changelist", root, issues),
        html_page("issue changelist search", root, f"{issues}?q=alert"),
        html_page("calendar", root, reverse("admin:newsletter_issue_calendar")),
        html_page("revision changelist", root, reverse("admin:newsletter_revision_changelist")),
        html_page("image changelist", root, reverse("admin:newsletter_image_changelist")),
        html_page("event changelist", root, reverse("admin:editorial_event_changelist")),
    ]


def feed_titles() -> list[str]:
    return [f"#{r.issue_number} {r.title}" for r in Revision.objects.live()]


def markdown_previews(client: Client, texts: list[str]) -> list[Output]:
    """The editor's live preview of each text, as the markdown editor asks for it."""
    found = []
    url = reverse("markdownx_markdownify")
    for text in texts:
        response = client.post(url, {"content": text})
        assert response.status_code in (200, 400), (text, response.status_code)
        found.append(Output("markdown preview", f"{url} {text!r}", response.content.decode(), True))
    return found


def outbox() -> list:
    messages = list(mail.outbox)
    mail.outbox.clear()
    return messages
