"""The subscriber pages pass the Nu HTML Checker, like every other public page."""

import json
import subprocess

import pytest

from subscribers import links
from subscribers.models import Subscriber
from subscribers.suppression import suppress
from tests.quality.test_html_validity import VNU, vnu_or_skip

pytestmark = pytest.mark.django_db


def test_every_subscriber_page_is_valid_html(client, tmp_path, settings):
    java = vnu_or_skip()
    settings.SUBSCRIBERS_THROTTLE_PER_CLIENT = 3
    reader = Subscriber.objects.create(email="reader@example.com", status="confirmed")
    gone = Subscriber.objects.create(email="gone@example.com", status="unsubscribed")
    bounced = Subscriber.objects.create(email="bounced@example.com", status="confirmed")
    suppress(bounced.email, "hard_bounce")
    one_click = "List-Unsubscribe=One-Click"
    form = "application/x-www-form-urlencoded"
    responses = {
        "subscribe": client.get("/subscribe/"),
        "subscribe, errors": client.post("/subscribe/", {"email": "a\r\nb", "name": "a\nb"}),
        "check inbox": client.post("/subscribe/", {"email": "new@example.com"}),
        "confirm": client.get(links.confirmation_url(gone)),
        "confirmed": client.post(
            links.confirmation_url(Subscriber.objects.get(email="new@example.com"))
        ),
        "preferences": client.get(links.preferences_url(reader)),
        "preferences, unsubscribed": client.get(links.preferences_url(gone)),
        "preferences, bounced": client.get(links.preferences_url(bounced)),
        "one-click": client.post(
            links.one_click_unsubscribe_url(reader), one_click, content_type=form
        ),
        "one-click, bad body": client.post(
            links.one_click_unsubscribe_url(reader), "", content_type=form
        ),
        "invalid link": client.get("/subscription/nonsense/"),
        "throttled": [client.post("/subscribe/", {"email": "x@example.com"}) for _ in range(3)][-1],
    }
    assert responses["throttled"].status_code == 429
    files = {}
    for index, (name, response) in enumerate(responses.items()):
        path = tmp_path / f"page-{index}.html"
        path.write_bytes(response.content)
        files[f"file:{path}"] = name
    result = subprocess.run(  # noqa: S603 - our own files, a fixed program
        [
            java,
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--exit-zero-always",
            *sorted(map(str, tmp_path.glob("page-*.html"))),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{files.get(m.get('url'), m.get('url'))}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(errors)
