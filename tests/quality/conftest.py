"""Fixtures for the quality bars: a site holding a normal issue and a hostile one."""

import pytest

from newsletter.models import Issue, Item, Paper, Section
from tests.helpers.reader import make_image
from tests.helpers.workflow import publish

HOSTILE = (
    "<script>alert('x')</script> \"quotes\" & 'apostrophes' <b>bold</b> "
    "</title></script><!-- --> javascript:alert(1) 🤖 <img src=x onerror=alert(1)>"
)
HOSTILE_MARKDOWN = (
    "# Heading\n\n" + HOSTILE + "\n\n[link](javascript:alert(1)) ![](data:x) "
    "<iframe src=https://x.example></iframe> <a href='/x' onclick='y'>a</a>\n\n"
    "| a | b |\n|---|---|\n| <td> | & |\n\n```\n<code> & </pre>\n```\n\n- list\n\n1. one"
)


def build_issue(number, *, title, slug, text, markdown, image=None):
    issue = Issue.objects.create(
        number=number, title=title, slug=slug, summary=markdown, hero_image=image
    )
    for position, section_title in enumerate(["My work", "Papers & research"]):
        section = Section.objects.create(
            issue=issue, title=f"{section_title} {text}"[:200], intro=markdown, position=position
        )
        Item.objects.create(
            section=section,
            title=text[:300],
            url="https://example.com/a?b=1&c=2",
            source=text[:200],
            body=markdown,
            image=image,
            position=0,
        )
        Paper.objects.create(
            section=section,
            title=text[:500],
            authors=text,
            arxiv_id="1706.03762",
            paper_url="https://arxiv.org/abs/1706.03762",
            code_url="https://github.com/example/code",
            demo_url="javascript:alert(1)",
            summary=markdown,
            image=image,
            position=0,
        )
    return issue


@pytest.fixture
def quality_site(db):
    """Issue 1: ordinary, with pictures. Issue 2: every text field hostile. Both live."""
    hero = make_image(
        "hero", caption="Caption of hero", credit="Credit", credit_url="https://credit.example/"
    )
    normal = build_issue(
        1,
        title="Small models, big ideas",
        slug="small-models",
        text="Fine-tuning on a laptop",
        markdown="Some **bold** text with [a link](https://example.com/) and `code`.",
        image=hero,
    )
    hostile = build_issue(
        2, title=HOSTILE[:200], slug="hostile", text=HOSTILE, markdown=HOSTILE_MARKDOWN
    )
    publish(normal)
    publish(hostile)
    return {"normal": Issue.objects.get(pk=normal.pk), "hostile": Issue.objects.get(pk=hostile.pk)}
