"""The search page's own form looks like the search box in the header, on a phone too.

In a real Chromium at 390 px: the box and its button sit on one line, with the header
box's padding and the accent-coloured button, and the label above them.
"""

import pytest

from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db(transaction=True)

MEASURE = """() => {
    const style = (el) => getComputedStyle(el);
    const box = document.querySelector(".search-form input[name=q]");
    const button = document.querySelector(".search-form button");
    const label = document.querySelector(".search-form label");
    const header = document.querySelector(".site-search input");
    const headerButton = document.querySelector(".site-search button");
    return {
        sameLine: Math.abs(box.getBoundingClientRect().top
            - button.getBoundingClientRect().top) < 1,
        labelAbove: label.getBoundingClientRect().bottom <= box.getBoundingClientRect().top,
        padding: [style(box).paddingTop, style(header).paddingTop],
        buttonColour: [style(button).backgroundColor, style(headerButton).backgroundColor],
        fits: box.getBoundingClientRect().right <= document.documentElement.clientWidth,
    };
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_search_form_matches_the_header_search_box(browser, live_server, make_issue, width):
    publish(make_issue())
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/search/?q=model")
    seen = page.evaluate(MEASURE)
    context.close()
    assert seen["sameLine"] and seen["labelAbove"] and seen["fits"], seen
    assert seen["padding"][0] == seen["padding"][1], seen
    assert seen["buttonColour"][0] == seen["buttonColour"][1], seen
