"""Every public page type passes the Nu HTML Checker with no errors, hostile content included."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.helpers.reader import public_url

ROOT = Path(__file__).resolve().parents[2]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_or_skip():
    java = shutil.which("java")
    if java and VNU.exists():
        return java
    reason = "the Nu HTML Checker needs Java and `npm ci` (make test installs it)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def page_urls(site) -> list[str]:
    search = reverse("newsletter:search")
    urls = [
        "/",
        "/issues/",
        "/issues/?page=2",
        reverse("newsletter:papers"),
        search,
        f"{search}?q=laptop",
        f"{search}?q=%22unbalanced",
        f"{search}?q=script",
        "/no-such-page/",
        "/issues/999-nothing/",
    ]
    for issue in site.values():
        urls.append(public_url(issue))
        email = {"number": issue.number, "slug": issue.slug}
        urls.append(reverse("newsletter:issue-email", kwargs=email))
    return urls


def test_every_public_page_type_is_valid_html(client, quality_site, tmp_path):
    java = vnu_or_skip()
    files = {}
    for index, url in enumerate(page_urls(quality_site)):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), url
        assert response["Content-Type"].startswith("text/html"), url
        path = tmp_path / f"page-{index}.html"
        path.write_bytes(response.content)
        files[f"file:{path}"] = url
    pages = sorted(str(path) for path in tmp_path.glob("page-*.html"))
    result = subprocess.run(  # noqa: S603 - our own files, a fixed program
        [java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *pages],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{files.get(m.get('url'), m.get('url'))}:{m.get('lastLine')}: {m['message']}"
        f"  «{m.get('extract', '').strip()}»"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(errors)
    assert len(files) == len(page_urls(quality_site))
