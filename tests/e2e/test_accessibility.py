"""axe-core, run in headless Chromium, finds no violation of any impact on the public pages."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from tests.helpers.reader import public_url
from tests.quality.conftest import quality_site  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def public_paths(site):
    return [
        "/",
        "/issues/",
        public_url(site["normal"]),
        public_url(site["hostile"]),
        reverse("newsletter:papers"),
        reverse("newsletter:search") + "?q=laptop",
        "/this-page-does-not-exist/",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_public_pages_have_no_accessibility_violations(browser, live_server, quality_site, scheme):  # noqa: F811
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` runs `npm ci`.")
    context = browser.new_context(
        # axe-core is injected as an inline script, which the site's CSP rightly refuses.
        color_scheme=scheme,
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,
    )
    page = context.new_page()
    found = {}
    try:
        for path in public_paths(quality_site):
            page.goto(live_server.url + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            )
            if result:
                found[path] = [
                    {
                        "id": v["id"],
                        "impact": v["impact"],
                        "help": v["help"],
                        "targets": [n["target"] for n in v["nodes"]][:5],
                    }
                    for v in result
                ]
    finally:
        context.close()
    assert found == {}, json.dumps(found, indent=2)
