"""Preflight: errors block submit for every caller, with the reason; warnings can be
acknowledged; failing links come from a background check against a local server."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from curation.models import FeaturedLink, LinkAlias, LinkCheck, PreflightAcknowledgement
from curation.preflight import check, placeholders_in, real_alt_text, submit_refusal
from curation.urls_normalisation import link_key
from editorial.workflow import TransitionNotAllowed, available_actions, perform
from newsletter.models import Item, Paper, Section
from tests.helpers.local_server import LocalServer, Response
from tests.helpers.reader import make_image

pytestmark = pytest.mark.django_db


def codes(issue, level=None):
    return {f.code.split(":")[0] for f in check(issue) if level is None or f.level == level}


def test_a_clean_issue_has_no_errors(make_issue):
    issue = make_issue()
    assert codes(issue, "error") == set()


@pytest.mark.parametrize(
    ("alt", "real"),
    [("", False), ("image", False), ("Photo", False), ("IMG_0042.JPG", False),
     ("chart.png", False), ("ab", False), ("A bar chart of accuracy by model size", True),
     ("Logo of the lab", True)],
)  # fmt: skip
def test_real_alt_text(alt, real):
    assert real_alt_text(alt) is real


@pytest.mark.parametrize(
    ("text", "found"),
    [("TK: find the quote", ["TK"]), ("Read this TODO later", ["TODO"]),
     ("Lorem ipsum dolor", ["Lorem ipsum"]), ("tk is a word, todo in Spanish", []),
     ("FIXME", ["FIXME"]), ("Kiosk talks", [])],
)  # fmt: skip
def test_placeholders(text, found):
    assert placeholders_in(text) == found


def test_each_problem_is_found(make_issue, settings):
    issue = make_issue()
    work = issue.sections.get(title="My work")
    Section.objects.create(issue=issue, title="Empty one", position=5)
    Item.objects.create(section=work, title="TK title", body="", position=3)
    Item.objects.create(
        section=work, title="Again", url="https://www.example.com/laptop/?utm_medium=x",
        body="Same link ![screenshot](/media/x.png)", position=4,
        image=make_image("dup", alt_text="image"),
    )  # fmt: skip
    issue.hero_image = make_image("hero", alt_text="hero.jpg")
    issue.save()
    found = {(f.level, f.code.split(":")[0]) for f in check(issue)}
    assert found >= {
        ("error", "placeholder"),
        ("error", "alt"),
        ("warning", "duplicate"),
        ("warning", "empty-section"),
        ("warning", "no-commentary"),
    }
    messages = " ".join(f.message for f in check(issue))
    assert "The same link is in the issue twice" in messages
    assert "Placeholder text in the title of item “TK title” in My work: TK." in messages
    assert "“hero.jpg”" in messages


def test_submit_is_refused_with_the_reason_for_every_caller(make_issue, editor):
    issue = make_issue()
    Item.objects.filter(title="A tiny eval harness").update(body="TODO: write this")
    assert "submit" in {t.action for t in available_actions(issue, editor)}  # button stays
    with pytest.raises(TransitionNotAllowed, match="not ready for review.*TODO"):
        perform(issue, "submit", by=editor)
    issue.refresh_from_db()
    assert issue.state == "draft" and not issue.revisions.exists()


def test_warnings_do_not_block_submit(make_issue, editor):
    issue = make_issue()
    Section.objects.create(issue=issue, title="Empty", position=9)
    assert codes(issue, "warning") == {"empty-section"}
    perform(issue, "submit", by=editor)
    assert issue.state == "in_review"


def test_the_issue_page_shows_the_panel_and_the_button_says_why(client, editor, make_issue):
    issue = make_issue()
    Paper.objects.update(summary="")
    Item.objects.filter(title="A tiny eval harness").update(body="Lorem ipsum")
    client.force_login(editor)
    page = client.get(reverse("admin:newsletter_issue_change", args=(issue.pk,))).content.decode()
    assert "Preflight: 1 to fix before review" in page
    assert "has no commentary yet" in page
    response = client.post(
        reverse("admin:newsletter_issue_transition", args=(issue.pk, "submit")), follow=True
    )
    assert "is not ready for review: preflight found 1 problem. 1. Placeholder text" in (
        response.content.decode()
    )


def test_a_warning_is_acknowledged_and_stays_so(client, editor, make_issue):
    issue = make_issue()
    Paper.objects.update(summary="")
    (warning,) = [f for f in check(issue) if not f.is_error]
    client.force_login(editor)
    client.post(
        reverse("admin:curation_preflight_acknowledge", args=(issue.pk,)), {"code": warning.code}
    )
    (after,) = [f for f in check(issue) if not f.is_error]
    assert after.acknowledged_by == "eddie"


def test_an_error_cannot_be_acknowledged(client, editor, make_issue):
    issue = make_issue()
    Item.objects.filter(title="A tiny eval harness").update(body="TK")
    (error,) = [f for f in check(issue) if f.is_error]
    client.force_login(editor)
    client.post(
        reverse("admin:curation_preflight_acknowledge", args=(issue.pk,)), {"code": error.code}
    )
    assert not PreflightAcknowledgement.objects.exists()


def test_links_are_checked_in_the_background_and_failures_warn(
    client, editor, make_issue, local_fetching
):
    local_fetching.LINKROT_HOST_INTERVAL = 0
    issue = make_issue()
    with LocalServer({"/fine": Response(200, "ok")}) as site:
        Item.objects.filter(title="Fine-tuning on a laptop").update(url=site.url("/fine"))
        Item.objects.filter(title="A tiny eval harness").update(url=site.url("/gone"))
        Paper.objects.update(paper_url="")
        client.force_login(editor)
        client.post(reverse("admin:curation_preflight_check_links", args=(issue.pk,)))
    assert {row.url: row.ok for row in LinkCheck.objects.all()} == {
        site.url("/fine"): True,
        site.url("/gone"): False,
    }
    (failing,) = [f for f in check(issue) if f.code.startswith("link-fails")]
    assert "did not load when checked: it answered 404." in failing.message
    assert not failing.is_error


def test_featured_before_warns_with_where(published, make_issue):
    published(number=1)
    draft = make_issue(number=2)
    featured = [f for f in check(draft) if f.code.startswith("featured")]
    assert len(featured) == 2
    assert any("was featured before: #1, My work" in f.message for f in featured)


def test_only_pictures_that_render_need_alt_text(make_issue):
    issue = make_issue()
    Item.objects.filter(title="A tiny eval harness").update(
        body="![](data:x) ![](javascript:alert(1)) ![ ](/media/a.png) ![chart.png](https://x.org/c.png)"
    )
    alts = [f for f in check(issue) if f.code.startswith("alt:")]
    assert len(alts) == 1  # one finding per field, naming the first it found
    assert "(“ ”)" in alts[0].message


def test_submit_asks_only_what_its_errors_need(published, make_issue, editor):
    # Featured before, a failing link, an empty section: warnings, which never refuse a
    # submit, so deciding it reads no link checks, featured links or acknowledgements.
    published(number=1)
    draft = make_issue(number=2)
    Section.objects.create(issue=draft, title="Empty", position=9)
    url = Item.objects.filter(section__issue=draft).values_list("url", flat=True)[0]
    LinkCheck.objects.create(
        url=url, key=link_key(url), host="example.com", ok=False, message="it answered 404."
    )
    assert {"featured", "link-fails", "empty-section"} <= codes(draft, "warning")
    assert codes(draft, "error") == set()
    with CaptureQueriesContext(connection) as queries:
        assert submit_refusal(draft) is None
    read = " ".join(query["sql"] for query in queries.captured_queries)
    for table in LinkCheck, FeaturedLink, LinkAlias, PreflightAcknowledgement:
        assert table._meta.db_table not in read, table.__name__
    Item.objects.filter(section__issue=draft, title="A tiny eval harness").update(body="TBD")
    assert "1 problem. 1. Placeholder text" in submit_refusal(draft)
