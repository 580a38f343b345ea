"""Reader search at /search/?q=: live content only, ranked, highlighted, and never a 500."""

import html
import importlib
import random
import re
import string
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from editorial.roles import PUBLISHERS
from editorial.workflow import perform
from newsletter.models import Issue, Item, Paper, SearchEntry, Section
from newsletter.reader import search_ranking
from newsletter.reader.search import MAX_QUERY_CHARS, normalise
from newsletter.reader.search_ranking import wanted_words
from tests.helpers.reader import PUBLISHED_CACHE_CONTROL, STATE_QUERY
from tests.helpers.workflow import publish, role_user

pytestmark = pytest.mark.django_db

URL = "/search/"
RESULT = re.compile(r'<h2><a href="([^"]*)">(.*?)</a></h2>')


def search(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    return response


def hits(client, q) -> list[tuple[str, str]]:
    """(href, title) of each result on the first page, best first."""
    page = search(client, q).content.decode()
    return [(html.unescape(href), html.unescape(title)) for href, title in RESULT.findall(page)]


def titles(client, q) -> list[str]:
    return [title for _, title in hits(client, q)]


def issue_with(number, *items, papers=(), title=None, summary="", intro=""):
    """An issue with one section holding `items` as (title, body) and `papers` as dicts."""
    issue = Issue.objects.create(
        number=number, title=title or f"Issue {number}", slug=f"issue-{number}", summary=summary
    )
    section = Section.objects.create(issue=issue, title="From the internet", intro=intro)
    for position, (item_title, body) in enumerate(items):
        Item.objects.create(section=section, title=item_title, body=body, position=position)
    for position, fields in enumerate(papers):
        Paper.objects.create(section=section, position=position, **fields)
    return issue


def publisher():
    return role_user("wf-publisher", PUBLISHERS)


# What is found, and where the result leads


def test_a_word_in_an_item_body_finds_the_item_with_a_link_to_its_anchor(client, make_issue):
    publish(make_issue())

    assert hits(client, "fitting") == [
        ("/issues/1-issue-1/#item-fine-tuning-on-a-laptop", "Fine-tuning on a laptop")
    ]


def test_the_anchor_a_result_links_to_exists_on_the_issue_page(client, make_issue):
    publish(make_issue())
    for q in ("fitting", "vaswani", "evals"):
        (href,) = [href for href, _ in hits(client, q)]
        path, anchor = href.split("#")
        assert f'id="{anchor}"' in client.get(path).content.decode()


def test_a_paper_is_found_by_its_title_and_by_an_author(client, make_issue):
    publish(make_issue())
    expected = [("/issues/1-issue-1/#paper-attention-is-all-you-need", "Attention Is All You Need")]

    assert hits(client, "attention") == expected
    assert hits(client, "Shazeer") == expected


def test_the_issue_summary_finds_the_issue_itself_without_an_anchor(client, make_issue):
    publish(make_issue(title="Small models, big ideas"))

    assert hits(client, "compact") == [("/issues/1-issue-1/", "Small models, big ideas")]


def test_a_section_intro_is_found_and_links_to_the_section(client):
    publish(issue_with(1, ("An item", "Words."), intro="This month the **zeppelins** return."))

    (href,) = [href for href, _ in hits(client, "zeppelin")]
    assert href == "/issues/1-issue-1/#section-from-the-internet"
    assert 'id="section-from-the-internet"' in client.get("/issues/1-issue-1/").content.decode()


def test_each_result_names_its_issue_number_and_title(client, make_issue):
    publish(make_issue(number=7, title="Seven wonders"))

    page = search(client, "fitting").content.decode()

    assert "Issue #7" in page
    assert '<a href="/issues/7-issue-7/">Seven wonders</a>' in page


# Ranking


def test_a_match_in_a_title_ranks_above_a_match_in_a_body_even_in_an_older_issue(client):
    publish(issue_with(1, ("Quantization explained", "Fewer bits per weight.")))
    publish(issue_with(2, ("Notes from a conference", "Someone mentioned quantization.")))

    assert titles(client, "quantization") == ["Quantization explained", "Notes from a conference"]


def test_between_equal_matches_the_newer_issue_comes_first(client):
    publish(issue_with(1, ("Distillation", "Teacher and student.")))
    publish(issue_with(2, ("Distillation", "Teacher and student.")))

    assert [href for href, _ in hits(client, "distillation")] == [
        "/issues/2-issue-2/#item-distillation",
        "/issues/1-issue-1/#item-distillation",
    ]


# Ranking a bounded set of candidates: the newest matches and the title matches


@pytest.fixture
def bound(monkeypatch):
    """Rank at most `n` of the newest matches (500 in production), to test with few issues."""

    def set_bound(n):
        monkeypatch.setattr(search_ranking, "CANDIDATES", n)

    return set_bound


def robots_in_bodies(first_number, issues, per_issue=10):
    """Issues whose items hold "robot" in their text only, each item title unique."""
    for number in range(first_number, first_number + issues):
        items = [(f"Item {number}.{n}", "A robot walks in.") for n in range(per_issue)]
        publish(issue_with(number, *items))


def test_an_exact_title_match_in_the_oldest_issue_comes_first_past_the_bound(client, bound):
    bound(10)
    publish(issue_with(1, ("Robot", "The oldest entry.")))
    robots_in_bodies(2, 3)
    publish(issue_with(5, *[(f"Robot number {n}", "Another one.") for n in range(12)]))

    page = search(client, "robot").content.decode()
    found = [title for _, title in RESULT.findall(page)]

    assert found[0] == "Robot"
    assert "More than 10 results for “robot”" in page
    assert "the newest 10 and those with the words in their title" in page


def test_an_exact_title_is_its_words_whatever_the_case_and_stop_words(client):
    publish(issue_with(1, ("Attention Is All You Need", "A famous paper.")))
    publish(issue_with(2, ("Attention to attention", "Attention, attention, need.")))

    assert titles(client, "attention need")[0] == "Attention Is All You Need"
    assert titles(client, "attention")[0] == "Attention to attention"


def test_a_phrase_match_comes_before_the_words_apart_even_in_a_title(client):
    publish(issue_with(1, ("Notes", "We ran small models on a laptop.")))
    publish(issue_with(2, ("Models for the small shop", "Inventory.")))

    assert titles(client, "small models") == ["Notes", "Models for the small shop"]
    assert titles(client, '"small models"') == ["Notes"]


def test_pages_go_through_every_candidate_once_past_the_bound(client, bound):
    bound(30)
    robots_in_bodies(1, 5)  # 50 matches, items 1.0 to 5.9

    first = search(client, "robot").content.decode()
    second = search(client, "robot", page=2).content.decode()
    beyond = client.get(URL, {"q": "robot", "page": 3})
    on_first = [title for _, title in RESULT.findall(first)]
    on_second = [title for _, title in RESULT.findall(second)]

    # The 31 newest, the last page is the 31st result: no match is left out at random.
    assert len(on_first) == 20 and len(on_second) == 11
    assert sorted(on_first + on_second) == sorted(
        [f"Item {number}.{n}" for number in (5, 4, 3) for n in range(10)] + ["Item 2.0"]
    )
    assert "More than 30 results for “robot”, page 1 of 2." in first
    assert "More than 30 results for “robot”, page 2 of 2." in second
    assert 'start="21"' in second
    # Past the candidates there is no page, as past the last of any listing (paging.py).
    assert beyond.status_code == 404
    assert "The search for “robot” has no page 3: its pages are numbered 1 to 2." in beyond.text
    assert '<a href="/search/?q=robot&amp;page=2">Its last page, 2</a>' in beyond.text
    assert not RESULT.findall(beyond.text)


def test_the_count_is_exact_up_to_the_bound_and_more_than_after_it(client, bound):
    bound(10)
    robots_in_bodies(1, 1)

    assert 'role="status">10 results for “robot”.' in search(client, "robot").content.decode()

    publish(issue_with(2, ("Late", "One more robot.")))
    page = search(client, "robot").content.decode()

    assert "More than 10 results for “robot”." in page
    assert 'role="status">10 results' not in page


def test_a_query_matching_fewer_than_the_bound_ranks_every_match(client, bound):
    bound(10)
    publish(issue_with(1, ("Quantization", "Fewer bits.")))
    for number in range(2, 9):
        publish(issue_with(number, (f"Notes {number}", "Someone mentioned quantization.")))

    page = search(client, "quantization").content.decode()
    found = [title for _, title in RESULT.findall(page)]

    assert found[0] == "Quantization"
    assert sorted(found[1:]) == [f"Notes {number}" for number in range(2, 9)]
    assert "8 results for “quantization”." in page
    assert "More than" not in page


def test_an_excluded_word_in_the_text_excludes_a_title_match_past_the_bound(client, bound):
    bound(5)
    publish(issue_with(1, ("Robot", "It cooks pasta.")))
    robots_in_bodies(2, 1)

    assert "Robot" not in titles(client, "robot -pasta")


def test_the_wanted_words_leave_out_exclusions_or_and_quotes():
    assert wanted_words('small "tiny models" -big or -"huge ones" x') == "small tiny models x"
    assert wanted_words('"unbalanced') == "unbalanced"
    assert wanted_words("-only") == ""


# Snippets


def test_the_snippet_marks_the_matched_words(client):
    publish(issue_with(1, ("Kitchen", "A robot that cooks pasta for robots.")))

    page = search(client, "robots").content.decode()

    assert "A <mark>robot</mark> that cooks pasta for <mark>robots</mark>." in page


def test_the_snippet_escapes_html_in_the_text_and_only_our_marks_are_markup(client):
    body = "Type `<script>alert(1)</script>` & `<b>` to greet the robots."
    publish(issue_with(1, ("Markup <em>matters</em>", body)))

    page = search(client, "robots").content.decode()

    assert "<script>alert" not in page
    assert "<b>" not in page and "<em>matters" not in page
    assert "Markup &lt;em&gt;matters&lt;/em&gt;" in page
    assert "alert(1)&lt;/script&gt; &amp; &lt;b&gt; to greet the <mark>robots</mark>." in page


def test_words_after_a_literal_tag_in_the_text_are_still_found(client):
    # PostgreSQL's parser reads <script> as a tag and drops every word after it.
    publish(issue_with(1, ("Escaping", "Write `<script>` and then the word gooseberry.")))

    assert titles(client, "gooseberry") == ["Escaping"]


def test_entity_like_text_is_shown_as_written(client):
    publish(issue_with(1, ("Entities", "Write `&amp;` for an ampersand in robots.txt.")))

    page = search(client, "ampersand").content.decode()

    assert "Write &amp;amp; for an <mark>ampersand</mark>" in page


# Websearch syntax


@pytest.fixture
def kitchen(db):
    publish(
        issue_with(
            1,
            ("Kitchen robots", "A robot gadget that cooks pasta in the kitchen."),
            ("Garden robots", "A robot that waters the tomatoes."),
            ("Pasta maker", "A kitchen gadget review."),
        )
    )


def test_quotes_match_only_the_exact_phrase(client, kitchen):
    assert set(titles(client, "kitchen gadget")) == {"Kitchen robots", "Pasta maker"}
    assert titles(client, '"kitchen gadget"') == ["Pasta maker"]


def test_a_minus_word_excludes_entries_containing_it(client, kitchen):
    assert set(titles(client, "robot")) == {"Kitchen robots", "Garden robots"}
    assert titles(client, "robot -pasta") == ["Garden robots"]


def test_or_finds_either_word(client, kitchen):
    assert titles(client, "tomatoes") == ["Garden robots"]
    assert set(titles(client, "tomatoes or pasta")) == {
        "Kitchen robots",
        "Garden robots",
        "Pasta maker",
    }


# Live content only


def test_a_scheduled_issue_is_found_from_its_second_and_not_before(client):
    go_live = timezone.now().replace(microsecond=0) + timedelta(days=1)
    publish(issue_with(1, ("Airships", "The zeppelin returns.")), at=go_live)

    assert titles(client, "zeppelin") == []
    with time_machine.travel(go_live - timedelta(seconds=1), tick=False):
        assert titles(client, "zeppelin") == []
    with time_machine.travel(go_live, tick=False):
        assert titles(client, "zeppelin") == ["Airships"]


def test_a_marker_only_in_a_draft_or_an_approved_revision_is_never_found(client, make_issue):
    issue = make_issue()
    publish(issue)
    Item.objects.create(section=issue.sections.first(), title="Secret", body="The zeppelin.")
    assert titles(client, "zeppelin") == []

    perform(issue, "submit", by=role_user("wf-editor", "Editors"))
    perform(issue, "approve", by=role_user("wf-reviewer", "Reviewers"))

    assert SearchEntry.objects.filter(title="Secret").exists()  # indexed, yet not live
    assert titles(client, "zeppelin") == []
    assert titles(client, "fitting") == ["Fine-tuning on a laptop"]


def test_an_unpublished_issue_is_no_longer_found(client):
    issue = issue_with(1, ("Airships", "The zeppelin returns."))
    publish(issue)
    assert titles(client, "zeppelin") == ["Airships"]

    perform(issue, "unpublish", by=publisher())

    assert titles(client, "zeppelin") == []


def test_a_correction_replaces_the_old_text_in_results(client):
    issue = issue_with(1, ("Airships", "The zeppelin returns."))
    publish(issue)
    Item.objects.filter(section__issue=issue).update(body="The blimp returns.")
    publish(issue)

    assert titles(client, "zeppelin") == []
    assert titles(client, "blimp") == ["Airships"]
    assert len(hits(client, "airships")) == 1


# Any input gives a page


HOSTILE = [
    "",
    "   ",
    "x" * 5000,
    "robot " * 1000,
    '"unbalanced',
    '"',
    "&|!:*()",
    "a:* & !b | (c <-> d)",
    "\\",
    "\\\\' \\x00",
    "\x00",
    "robot\x00s",
    "\x01\x1f\x7f\t\n",
    "🤖 robots",
    "\ue000robots\ue001",
    "-",
    "-robots",
    "or",
    "or or or",
    "''",
    "'; drop table newsletter_searchentry; --",
    "<script>alert(1)</script>",
    "%",
    "the of and",
    "ünïcödé ΣΊΣΥΦΟΣ 東京",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_any_input_gives_a_search_page_never_a_server_error(client, make_issue, q):
    publish(make_issue())

    response = client.get(URL, {"q": q})
    with_a_bad_page = client.get(URL, {"q": q, "page": "x"})

    assert response.status_code == 200
    assert b'<input type="search" id="search-q" name="q"' in response.content
    assert with_a_bad_page.status_code == 404
    assert "“x” is not a page number: its pages are numbered 1 to 1." in with_a_bad_page.text
    assert SearchEntry.objects.exists()


def test_a_hostile_page_number_is_a_404_with_links_to_the_pages_there_are(client, make_issue):
    publish(make_issue())
    for page in ("0", "-1", "999999", "1e9", "\x00", "🤖", "9" * 5000):
        response = client.get(URL, {"q": "fitting laptop", "page": page})
        assert response.status_code == 404, page
        assert "its pages are numbered 1 to 1." in response.text
        assert '<a href="/search/?q=fitting+laptop">The first page of the search for' in (
            response.text
        )


def test_a_page_past_the_last_result_is_a_404_that_is_not_stored(client):
    publish(issue_with(1, *[(f"Robot number {n}", "A robot.") for n in range(25)]))

    answers = [client.get(URL, {"q": "robot", "page": 3}) for _ in range(3)]

    for answer in answers:
        assert answer.status_code == 404
        assert "The search for “robot” has no page 3: its pages are numbered 1 to 2." in (
            answer.text
        )
        assert '<a href="/search/?q=robot&amp;page=2">Its last page, 2</a>' in answer.text
        assert "X-Cache" not in answer  # built each time, never stored
    assert search(client, "robot", page=2)["X-Cache"] == "miss"


def test_a_long_query_is_shortened_and_the_page_says_so(client, make_issue):
    publish(make_issue())

    page = search(client, "fitting or " + "x" * 5000).content.decode()

    assert f"shortened to its first {MAX_QUERY_CHARS} characters" in page
    assert "Fine-tuning on a laptop" in page


def test_normalise_removes_control_characters_and_collapses_spaces():
    assert normalise("  robot\x00s \t and\n\x7f  cats  ") == ("robot s and cats", False)
    assert normalise("\ue000x\ud800") == ("x", False)
    assert normalise("a" * 300) == ("a" * MAX_QUERY_CHARS, True)


def test_an_empty_query_shows_the_form_and_the_syntax_hint_without_querying(
    client, make_issue, django_assert_num_queries
):
    publish(make_issue())

    with django_assert_num_queries(STATE_QUERY):
        response = client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<label for="search-q">' in page
    assert "Use quotes for a phrase" in page
    assert "<ol" not in page
    assert 'name="robots"' not in page
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("q", ["the", "the of and", "-robots", "or"])
def test_a_query_of_only_stop_words_or_exclusions_explains_and_searches_nothing(
    client, make_issue, q
):
    publish(make_issue())

    with CaptureQueriesContext(connection) as queries:
        page = search(client, q).content.decode()

    assert "has no word to look for" in page
    assert "<ol" not in page
    assert not [query for query in queries if "newsletter_searchentry" in query["sql"]]


def test_no_match_says_so_and_keeps_the_query_in_the_form(client, make_issue):
    publish(make_issue())

    page = search(client, 'nothing "like this"').content.decode()

    assert "Nothing published matches “nothing &quot;like this&quot;”" in page
    assert 'value="nothing &quot;like this&quot;"' in page


# Pages, headers and cost


def test_results_come_twenty_to_a_page_and_the_query_is_kept_across_pages(client):
    publish(issue_with(1, *[(f"Robot number {n}", "A robot.") for n in range(25)]))

    first = search(client, "robot").content.decode()
    second = search(client, "robot", page=2).content.decode()

    assert "25 results for “robot”, page 1 of 2." in first
    assert len(RESULT.findall(first)) == 20
    assert len(RESULT.findall(second)) == 5
    assert 'start="21"' in second
    assert 'href="?q=robot&amp;page=2"' in first


def test_result_pages_are_not_indexed_by_search_engines(client, make_issue):
    publish(make_issue())

    assert '<meta name="robots" content="noindex">' in search(client, "fitting").content.decode()


def test_results_carry_the_same_cache_control_whether_or_not_a_change_is_scheduled(
    client, make_issue
):
    publish(make_issue())
    assert search(client, "fitting")["Cache-Control"] == PUBLISHED_CACHE_CONTROL

    now = timezone.now().replace(microsecond=0) + timedelta(seconds=1)
    publish(issue_with(2, ("Airships", "The zeppelin.")), at=now + timedelta(seconds=90))
    with time_machine.travel(now, tick=False):
        assert search(client, "fitting")["Cache-Control"] == PUBLISHED_CACHE_CONTROL
        assert search(client, "zeppelin")["Cache-Control"] == PUBLISHED_CACHE_CONTROL


def test_the_number_of_queries_does_not_grow_with_the_number_of_results(
    client, django_assert_max_num_queries
):
    publish(issue_with(1, ("One robot", "A robot.")))
    with CaptureQueriesContext(connection) as one:
        search(client, "robot")

    for number in range(2, 12):
        publish(issue_with(number, *[(f"Robot {n}", "A robot.") for n in range(3)]))
    with django_assert_max_num_queries(len(one)), CaptureQueriesContext(connection) as many:
        page = search(client, "robot").content.decode()

    assert len(RESULT.findall(page)) == 20
    assert len(many) == len(one) == STATE_QUERY + 2


def test_the_search_entries_have_a_gin_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'newsletter_searchentry'")
        definitions = [row[0] for row in cursor.fetchall()]

    assert any("USING gin (vector)" in d for d in definitions), definitions


def test_the_url_is_named_in_the_newsletter_namespace():
    assert reverse("newsletter:search") == URL


# Indexing


def test_freezing_a_revision_writes_one_entry_per_part_in_page_order(make_issue):
    revision = publish(make_issue())

    entries = list(revision.search_entries.values_list("kind", "anchor", "title"))

    assert entries == [
        ("issue", "", "Small models, big ideas"),
        ("item", "item-fine-tuning-on-a-laptop", "Fine-tuning on a laptop"),
        ("item", "item-a-tiny-eval-harness", "A tiny eval harness"),
        ("paper", "paper-attention-is-all-you-need", "Attention Is All You Need"),
    ]


def test_the_migration_indexes_revisions_frozen_before_search_existed(client, make_issue):
    publish(make_issue())
    SearchEntry.objects.all().delete()
    assert titles(client, "fitting") == []

    migration = importlib.import_module("newsletter.migrations.0003_searchentry")
    migration.index_existing_revisions(apps, None)

    assert titles(client, "fitting") == ["Fine-tuning on a laptop"]


def test_each_row_holds_its_issue_heading_and_the_migration_fills_older_rows(client):
    revision = publish(issue_with(3, ("Airships", "The zeppelin."), title="Up and away"))
    assert set(revision.search_entries.values_list("issue_title", "issue_slug")) == {
        ("Up and away", "issue-3")
    }

    SearchEntry.objects.update(issue_title="", issue_slug="")  # as rows were before 0016
    migration = importlib.import_module("newsletter.migrations.0016_searchentry_issue_heading")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)

    page = search(client, "zeppelin").content.decode()
    assert '<a href="/issues/3-issue-3/">Up and away</a>' in page


# arXiv ids, markup in the query


LLM_PAPER = {"title": "Tree of Thoughts", "authors": "Yao, Yu", "arxiv_id": "2305.10601"}


@pytest.mark.parametrize(
    "q",
    [
        "2305.10601",
        "arXiv:2305.10601",
        "arxiv: 2305.10601",
        "2305.10601v2",
        "https://arxiv.org/abs/2305.10601v1",
        "arxiv.org/pdf/2305.10601.pdf",
    ],
)
def test_an_arxiv_id_finds_the_paper_in_every_issue_that_featured_it(client, q):
    publish(issue_with(1, ("Notes", "Words."), papers=[LLM_PAPER]))
    again = {**LLM_PAPER, "arxiv_id": "2305.10601v2"}
    publish(issue_with(2, ("Other", "Words."), papers=[again]))
    other = {"title": "Other", "arxiv_id": "2305.10602"}
    publish(issue_with(3, ("More", "Words."), papers=[other]))

    assert [href for href, _ in hits(client, q)] == [
        "/issues/2-issue-2/#paper-tree-of-thoughts",
        "/issues/1-issue-1/#paper-tree-of-thoughts",
    ]


def test_the_migration_gives_older_paper_rows_their_arxiv_id(client):
    publish(issue_with(1, ("Notes", "Words."), papers=[LLM_PAPER]))
    with connection.cursor() as cursor:  # a paper row as freezing wrote it before 0017
        cursor.execute(
            "UPDATE newsletter_searchentry SET vector = setweight(to_tsvector(title), 'A')"
            " WHERE kind = 'paper'"
        )
    assert titles(client, "2305.10601") == []

    migration = importlib.import_module("newsletter.migrations.0017_searchentry_arxiv_ids")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
        cursor.execute(migration.FILL)  # once is enough: a second run adds nothing
        cursor.execute("SELECT vector::text FROM newsletter_searchentry WHERE kind = 'paper'")
        (vector,) = cursor.fetchone()

    assert titles(client, "arXiv:2305.10601") == ["Tree of Thoughts"]
    assert vector.count("2305.10601") == 1


@pytest.mark.parametrize("q", ['"<script>', "<script>", "<script>alert</script>"])
def test_markup_in_the_query_searches_for_its_words(client, q):
    publish(issue_with(1, ("Escaping", "Write `<script>alert</script>` to start a script.")))

    page = search(client, q).content.decode()

    assert "has no word to look for" not in page
    assert [title for _, title in RESULT.findall(page)] == ["Escaping"]


# Snippets read as the text, figures left out

FIGURE_BODY = (
    "Airships are back.\n\n![A chart of airship sales](/media/images/2024/05/chart.jpg)"
    "\n\nThey carry robots."
)


def test_a_snippet_leaves_out_figure_captions_and_credits_which_are_still_found(client):
    from tests.helpers.reader import make_image

    make_image("chart", caption="A zeppelin over the bay", credit="Jo Doe")
    body = FIGURE_BODY
    revision = publish(issue_with(1, ("Airships", body)))
    assert "<figcaption>" in revision.content.sections[0].entries[0].text_html

    page = search(client, "robots").content.decode()
    (snippet,) = re.findall(r'<p class="search-snippet">(.*?)</p>', page)
    assert snippet == "Airships are back. They carry <mark>robots</mark>."
    assert titles(client, "zeppelin") == ["Airships"]  # the caption
    assert titles(client, '"jo doe"') == ["Airships"]  # the credit


def test_the_migration_writes_the_rows_of_revisions_with_figures_again(client):
    from tests.helpers.reader import make_image

    make_image("chart", caption="A zeppelin over the bay")
    body = FIGURE_BODY
    revision = publish(issue_with(1, ("Airships", body)))
    publish(issue_with(2, ("Plain", "Robots and no figure.")))
    plain = SearchEntry.objects.filter(title="Plain").get()
    SearchEntry.objects.filter(revision=revision, title="Airships").update(
        text="Airships are back. A zeppelin over the bay They carry robots."
    )  # as freezing wrote it before 0018

    migration = importlib.import_module(
        "newsletter.migrations.0018_searchentry_text_without_figures"
    )
    with connection.schema_editor() as schema_editor:
        migration.rewrite_rows_with_figures(apps, schema_editor)

    assert SearchEntry.objects.get(title="Airships").text == "Airships are back. They carry robots."
    assert SearchEntry.objects.get(title="Plain").pk == plain.pk  # not written again
    assert titles(client, "zeppelin") == ["Airships"]


def test_a_long_entry_keeps_its_vector_in_the_row():
    # An item as long as a bench item's, of words that do not compress well: some 1 kB of
    # text and a vector of 1.5 kB.
    rng = random.Random(1)
    body = " ".join("".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(125))
    publish(issue_with(1, ("Long", body)))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_toast_chunk_id(vector), pg_column_size(vector) + octet_length(text)"
            " FROM newsletter_searchentry WHERE title = 'Long'"
        )
        vector_chunk, size = cursor.fetchone()

    assert size > 2032  # over the TOAST threshold
    assert vector_chunk is None
