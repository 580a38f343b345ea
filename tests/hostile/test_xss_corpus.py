"""Hostile text in every field comes out inert in every output that shows it.

Each test takes a quarter of the corpus and writes it into every markdown and plain-text
field through the forms the admin uses (refusals recorded): one issue gets a section per
vector whose title, intro, item, paper and pictures all carry it, and its summary holds
them all. It goes through the workflow (submit, changes requested with the vectors as
the comment, edit, submit, approve, publish), and every page on the way is read: the
composer and its preview, previews, the share link, the diff, the review and publish
queues, then the public pages, feeds, API, email edition, changelists, calendar and
notifications. Issue titles are short, so the vectors that do not fit the first title
are published as the titles of more issues. A benign issue built the same way says what
our own templates put on each kind of page; the hostile outputs may hold nothing more
that could run (tests/hostile/inert.py).
"""

from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from demo.publication import walk_to_publication
from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS
from editorial.workflow import perform
from newsletter.models import Issue
from tests.helpers.workflow import role_user
from tests.hostile import outputs
from tests.hostile.corpus import VECTORS
from tests.hostile.inert import active_parts, findings
from tests.hostile.site import (
    Refusals,
    all_fields,
    fill,
    retitle,
    skeleton,
    title_refusals,
    titles,
)

pytestmark = pytest.mark.django_db

QUARTERS = [VECTORS[start::4] for start in range(4)]


@pytest.fixture
def people(db):
    users = {
        "editor": role_user("hostile-editor", EDITORS),
        "reviewer": role_user("hostile-reviewer", REVIEWERS),
        "publisher": role_user("hostile-publisher", PUBLISHERS),
        "root": get_user_model().objects.create_superuser("hostile-root", "root@example.com"),
    }
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return users, clients


def walk(issue, vectors, *, title_run, comment, people, refusals, capture, seed) -> list:
    """Take `issue` from a benign first revision to a published hostile second one,
    reading every page on the way; return the outputs to check."""
    users, clients = people
    found = []
    with capture(execute=True):
        perform(issue, "submit", by=users["editor"])
    with capture(execute=True):
        perform(issue, "request_changes", by=users["reviewer"], comment=comment)
    fill(
        Issue.objects.get(pk=issue.pk),
        vectors,
        title_run=title_run,
        refusals=refusals,
        uploaded_by=users["editor"],
        seed=seed,
    )
    issue = Issue.objects.get(pk=issue.pk)
    found += outputs.admin_draft(clients, issue)
    with capture(execute=True):
        perform(issue, "submit", by=users["editor"])
    found += outputs.admin_in_review(clients, issue, 2)
    with capture(execute=True):
        perform(Issue.objects.get(pk=issue.pk), "approve", by=users["reviewer"])
    found += outputs.admin_approved(clients)
    with capture(execute=True):
        perform(Issue.objects.get(pk=issue.pk), "publish", by=users["publisher"])
    found += outputs.public_issue(Client(), issue)
    found += outputs.admin_published(clients, issue)
    found += outputs.emails("notification", outputs.outbox())
    return found


def titled(number, title_run, *, people, refusals, capture) -> list:
    """One more issue whose title is `title_run`, published with its notifications."""
    users, _ = people
    issue = skeleton(number, 1, tag=f"titled-{number}")
    retitle(issue, title_run, refusals=refusals)
    with capture(execute=True):
        walk_to_publication(
            Issue.objects.get(pk=issue.pk),
            editor=users["editor"],
            reviewer=users["reviewer"],
            publisher=users["publisher"],
            notify=True,
        )
    found = outputs.public_issue(Client(), issue)
    return found + outputs.emails("notification", outputs.outbox())


def site_wide(vectors, people) -> list:
    found = outputs.public_site(Client(), outputs.feed_titles(), searches=vectors)
    found += outputs.markdown_previews(people[1]["editor"], vectors)
    found += outputs.admin_lists(people[1])
    return found


@pytest.mark.parametrize("quarter", range(len(QUARTERS)), ids=lambda q: f"quarter{q}")
def test_hostile_text_in_every_field_is_inert_in_every_output(
    quarter, people, django_capture_on_commit_callbacks
):
    vectors = QUARTERS[quarter]
    capture = django_capture_on_commit_callbacks
    refusals = Refusals()

    benign = walk(
        skeleton(1, 2, tag="baseline"),
        [None, None],
        title_run=[],
        comment="Benign comment.",
        people=people,
        refusals=refusals,
        capture=capture,
        seed=10_000,
    )
    benign += titled(2, ["Benign title"], people=people, refusals=refusals, capture=capture)
    benign += site_wide(["benign words", "Benign"], people)
    assert refusals.messages == {}, "benign words were refused"

    runs = titles(title_refusals(vectors, refusals))
    hostile = walk(
        skeleton(3, len(vectors), tag="hostile"),
        vectors,
        title_run=runs[0],
        # A comment with U+0000 is refused (test_admin_workflow.py); the rest are taken.
        comment=" ".join(v for v in vectors if "\x00" not in v),
        people=people,
        refusals=refusals,
        capture=capture,
        seed=20_000 + quarter * 1000,
    )
    for number, run in enumerate(runs[1:], start=4):
        hostile += titled(number, run, people=people, refusals=refusals, capture=capture)
    hostile += site_wide(vectors, people)

    same_kind, any_kind = defaultdict(set), set()
    for output in benign:
        parts = active_parts(output.body, fragment=output.fragment) if output.body else set()
        same_kind[output.kind] |= parts
        any_kind |= parts
    assert {o.kind for o in hostile} == set(same_kind)
    problems = []
    for output in hostile:
        if output.body:
            parts = active_parts(output.body, fragment=output.fragment)
            extra = findings(parts, same_kind[output.kind], any_kind)
            if extra:
                problems.append((output.kind, output.where, sorted(extra)))
    assert problems == []

    # A refusal is an error on the field that says why; a refused vector reaches no page.
    assert all(message.strip() for message in refusals.messages.values())
    fields = all_fields()
    accepted = len(vectors) * len(fields) - len(refusals.messages)
    print(
        f"quarter {quarter}: {len(vectors)} vectors × {len(fields)} fields: {accepted} accepted,"
        f" {len(refusals.messages)} refused; {len(hostile)} outputs checked"
    )
