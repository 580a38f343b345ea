"""How PostgreSQL finds a search's candidates: the plans of the ranked query as a reader's
search runs it, where the planner's estimate of the matches would lead it to read far
more than it needs (`search_ranking`)."""

import json

import pytest
from django.db import connection

from newsletter.models import Issue, Item, Section
from newsletter.reader import search_ranking
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db


def archive(issues: int, items: int, body):
    """`issues` published issues of `items` items each, `body(number, n)` their text."""
    for number in range(1, issues + 1):
        issue = Issue.objects.create(number=number, title=f"Issue {number}", slug=f"i-{number}")
        section = Section.objects.create(issue=issue, title="From the internet")
        for n in range(items):
            Item.objects.create(
                section=section, title=f"Item {number}.{n}", body=body(number, n), position=n
            )
        publish(issue)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE newsletter_searchentry; ANALYZE newsletter_revision")


def ranked_plan(client, q) -> tuple[str, dict]:
    """The page a reader is shown for `q`, and the plan its ranked query ran with."""
    statements = []

    def keep(execute, sql, params, many, context):
        if "ranked AS" in sql:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    [(sql, params)] = statements
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        [plan] = cursor.fetchone()[0]
    return response.content.decode(), plan["Plan"]


def candidates(plan: dict, name: str) -> str:
    """The plan of the candidates `name` (newest, titled, exact), as JSON text to look into:
    a CTE's, or a subquery's where PostgreSQL put the CTE in line."""
    if plan.get("Subplan Name") == f"CTE {name}" or plan.get("Alias") == name:
        return json.dumps(plan)
    for child in plan.get("Plans", ()):
        if found := candidates(child, name):
            return found
    return ""


def test_a_phrase_of_common_words_is_looked_up_in_the_index_not_walked_for(client, monkeypatch):
    # Every entry holds both words, two hold them side by side. The planner estimates the
    # phrase as both words anywhere, every entry, so it would walk the issues newest first
    # for the candidates it wants, reading every entry's vector to find the two.
    monkeypatch.setattr(search_ranking, "CANDIDATES", 10)
    side_by_side = {(3, 0), (17, 4)}
    archive(
        20,
        10,
        lambda number, n: (
            "Attention maps show where the model looks."
            if (number, n) in side_by_side
            else "Attention to detail: the maps were drawn by hand."
        ),
    )

    page, plan = ranked_plan(client, '"attention maps"')

    assert "2 results" in page
    newest = candidates(plan, "newest")
    assert '"Scan Direction": "Backward"' not in newest


def test_a_query_of_common_words_still_walks_the_newest_issues(client, monkeypatch):
    # The other way round is right for words every entry holds: the newest candidates are
    # the first entries of the newest issues, read without the index.
    monkeypatch.setattr(search_ranking, "CANDIDATES", 10)
    archive(20, 10, lambda number, n: "Attention to detail: the maps were drawn by hand.")

    page, plan = ranked_plan(client, "attention maps")

    assert "More than 10 results" in page
    assert '"Scan Direction": "Backward"' in candidates(plan, "newest")


def test_a_query_tree_tells_a_phrase_from_words_anywhere():
    assert search_ranking.holds_phrase("'attent' <-> 'map'")
    assert search_ranking.holds_phrase("'state-of-the-art' <-> 'state' <3> 'art'")
    assert not search_ranking.holds_phrase("'attent' & 'map'")
    assert not search_ranking.holds_phrase("'x' | 'y'")
    assert not search_ranking.holds_phrase("'<->'")  # a lexeme, not an operator
    assert not search_ranking.holds_phrase("")
