"""Link rot: live issues' links rechecked politely against local servers, the Wayback
Machine's availability API (a local server too) suggesting archived copies, applied as a
correction to the working copy."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from curation.linkrot import live_links, run
from curation.models import LinkCheck
from curation.tasks import recheck_live_links
from editorial.workflow import perform
from newsletter.models import Item, Paper
from tests.helpers.local_server import LocalServer, Response
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db


def wayback_answer(path):
    if "gone" not in path:
        return Response(200, json.dumps({"archived_snapshots": {}}),
                        headers={"Content-Type": "application/json"})  # fmt: skip
    body = {
        "url": "x",
        "archived_snapshots": {
            "closest": {
                "status": "200",
                "available": True,
                "url": "http://web.archive.org/web/20250101000000/https://blog.test/gone",
                "timestamp": "20250101000000",
            }
        },
    }
    return Response(200, json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.fixture
def servers(local_fetching):
    local_fetching.LINKROT_HOST_INTERVAL = 0
    with (
        LocalServer({"/fine": Response(200, "ok"), "/gone": Response(410, "gone")}) as site,
        LocalServer({"/wayback/available": wayback_answer}) as wayback,
    ):
        local_fetching.WAYBACK_API_URL = wayback.url("/wayback/available")
        yield site, wayback


@pytest.fixture
def live_issue(make_issue, servers):
    site, _ = servers
    issue = make_issue(number=7)
    Item.objects.filter(section__issue=issue, title="Fine-tuning on a laptop").update(
        url=site.url("/fine")
    )
    Item.objects.filter(section__issue=issue, title="A tiny eval harness").update(
        url=site.url("/gone")
    )
    Paper.objects.filter(section__issue=issue).update(paper_url="")
    publish(issue)
    return issue


def test_a_run_rechecks_live_links_and_suggests_an_archived_copy(live_issue, servers):
    site, wayback = servers
    report = run(budget=30)
    assert (report.checked, report.failing, report.suggested) == (2, 1, 1)
    gone = LinkCheck.objects.get(url=site.url("/gone"))
    assert gone.ok is False and gone.status == 410 and gone.failing_since is not None
    assert gone.wayback_url == "https://web.archive.org/web/20250101000000/https://blog.test/gone"
    assert "timestamp=" in wayback.seen[0].path
    assert LinkCheck.objects.get(url=site.url("/fine")).ok is True


def test_failing_since_is_kept_across_runs_and_cleared_when_back(live_issue, servers, settings):
    site, _ = servers
    settings.LINKROT_RECHECK_AFTER_HOURS = 0
    run(budget=30)
    first = LinkCheck.objects.get(url=site.url("/gone")).failing_since
    run(budget=30)
    assert LinkCheck.objects.get(url=site.url("/gone")).failing_since == first
    site.routes["/gone"] = Response(200, "back")
    run(budget=30)
    back = LinkCheck.objects.get(url=site.url("/gone"))
    assert back.ok and back.failing_since is None and back.wayback_url == ""


def test_recently_checked_links_wait_for_their_time(live_issue, servers):
    site, _ = servers
    run(budget=30)
    requests = len(site.seen)
    assert run(budget=30).checked == 0
    assert len(site.seen) == requests


def test_one_host_is_not_hammered_and_the_budget_holds(live_issue, servers, settings):
    """Two links on one host 30 s apart do not fit a 1 s budget: one waits for next run."""
    site, _ = servers
    settings.LINKROT_HOST_INTERVAL = 30
    report = run(budget=1)
    assert (report.checked, report.left_for_later) == (1, 1)
    assert len([s for s in site.seen if s.path in ("/fine", "/gone")]) == 1


def test_only_live_issues_are_checked(make_issue, servers, editor):
    site, _ = servers
    issue = make_issue(number=8)
    Item.objects.filter(section__issue=issue, title="A tiny eval harness").update(
        url=site.url("/gone")
    )
    perform(issue, "submit", by=editor)  # in review, not live
    assert live_links() == {}
    assert run(budget=5).checked == 0


def test_the_report_and_the_correction_in_the_admin(client, editor, live_issue, servers):
    site, _ = servers
    run(budget=30)
    client.force_login(editor)
    page = client.get(reverse("admin:curation_linkcheck_changelist")).content.decode()
    assert site.url("/gone") in page and site.url("/fine") not in page
    assert "#7 My work: A tiny eval harness" in page
    row = LinkCheck.objects.get(url=site.url("/gone"))
    version = type(live_issue).objects.get(pk=live_issue.pk).version
    response = client.post(
        reverse("admin:curation_linkcheck_changelist"),
        {"action": "use_archived_copy", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "now points to its archived copy in #7 “A tiny eval harness”" in (
        response.content.decode()
    )
    item = Item.objects.get(section__issue=live_issue, title="A tiny eval harness")
    assert item.url == row.wayback_url
    live_issue.refresh_from_db()
    assert live_issue.version == version + 1


def test_a_correction_is_refused_for_an_issue_in_review(client, editor, live_issue, servers):
    run(budget=30)
    perform(live_issue, "submit", by=editor)
    row = LinkCheck.objects.get(ok=False)
    client.force_login(editor)
    response = client.post(
        reverse("admin:curation_linkcheck_changelist"),
        {"action": "use_archived_copy", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "Nothing was changed: issue #7 is in review or approved." in response.content.decode()


def test_the_command_runs_once_for_cron(live_issue, servers):
    out = StringIO()
    call_command("check_link_rot", "--budget", "30", stdout=out)
    assert "Checked 2 links: 1 failing, 1 archived copies suggested" in out.getvalue()
    assert "failing: http://127.0.0.1:" in out.getvalue()


def test_the_task_queues_its_next_run_when_the_backend_can_defer(settings, servers):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import task_backends

    backend = task_backends["default"]
    backend.clear()
    before = timezone.now()
    recheck_live_links.call()
    (queued,) = backend.results
    assert queued.task.name == "recheck_live_links"
    assert queued.task.run_after >= before + timedelta(hours=settings.LINKROT_INTERVAL_HOURS)


def test_without_deferral_the_task_runs_once(servers):
    assert recheck_live_links.enqueue().return_value.startswith("Checked 0 links")
