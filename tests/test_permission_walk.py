"""Every address of the site, requested as each role, answers exactly what the role allows.

The routes come from walking the URL resolver (the admin's get_urls included), so a new
address without a line in EXPECTED fails `test_every_route_has_an_expectation`. Each line
says, for anonymous, editor, reviewer, publisher and superuser in that order, what a GET
answers:

    y 200 · p 301 · l 302 to the admin login · r 302 elsewhere · n 403 · m 405 · x 404 · g 410
    u 401 · b 400 · c 409

Then every POST without a CSRF token is refused (403), but for the addresses in
CSRF_EXEMPT, which authenticate otherwise; and every workflow action (from
editorial.workflow.TRANSITIONS) is posted as each role, succeeding exactly for its role.
"""

import os
import re
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks_db.models import DBTaskResult

from curation.models import CaptureToken, LinkCheck, SavedLink
from editorial import previews
from editorial.models import Event
from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS, ensure_groups
from editorial.workflow import TRANSITIONS, perform
from newsletter.models import Issue, Item, Revision, Section
from sending.models import Send
from subscribers import links
from subscribers.models import Subscriber, Suppression
from tests.helpers.reader import make_image
from tests.helpers.workflow import publish

ROLES = ("anonymous", "editor", "reviewer", "publisher", "superuser")
PASSWORD = "correct horse battery"

STATUS = {
    "p": 301,
    "c": 409,
    "y": 200,
    "l": 302,
    "r": 302,
    "n": 403,
    "m": 405,
    "x": 404,
    "g": 410,
    "u": 401,
    "b": 400,
}


def routes() -> list[str]:
    """Every route of the URL conf, in resolution order, each once."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return list(dict.fromkeys(walk(get_resolver().url_patterns)))


class Site:
    """What the walk requests: one of everything, and a user per role."""

    @classmethod
    def build(cls):
        ensure_groups()
        site = cls()
        site.users = {}
        for role, group in (
            ("editor", EDITORS),
            ("reviewer", REVIEWERS),
            ("publisher", PUBLISHERS),
        ):
            user = User.objects.create_user(
                f"walk-{role}", f"{role}@example.com", PASSWORD, is_staff=True
            )
            user.groups.add(Group.objects.get(name=group))
            site.users[role] = user
        site.users["superuser"] = User.objects.create_superuser(
            "walk-admin", "admin@example.com", PASSWORD
        )
        editor = site.users["editor"]

        site.image = make_image("walk")
        site.issue = Issue.objects.create(
            number=1,
            title="Small models",
            slug="small-models",
            summary="A month.",
            hero_image=site.image,
        )
        section = Section.objects.create(issue=site.issue, title="My work", position=0)
        Item.objects.create(section=section, title="A laptop", body="Notes.", position=0)
        publish(site.issue)
        site.revision = Revision.objects.get(issue=site.issue)
        site.draft = Issue.objects.create(number=2, title="Next", slug="next", summary="Soon.")

        site.saved_link = SavedLink.objects.create(
            url="https://example.com/a", key="example.com/a", saved_by=editor
        )
        site.capture_token, site.capture_secret = CaptureToken.issue(editor, "phone")
        site.link_check = LinkCheck.objects.create(
            key="example.com/a", url="https://example.com/a", host="example.com"
        )
        site.subscriber = Subscriber.objects.create(email="ada@example.com", status="confirmed")
        site.suppression = Suppression.objects.create(
            email="gone@example.com", email_hash="0" * 64, reason="manual"
        )
        site.send = Send.objects.create(
            issue=site.issue, revision=site.revision, go_live_at=timezone.now()
        )
        site.access_attempt = AccessAttempt.objects.create(
            username="someone",
            ip_address="192.0.2.1",
            user_agent="",
            get_data="",
            post_data="",
            http_accept="",
            path_info="/admin/login/",
            failures_since_start=1,
        )
        site.access_log = AccessLog.objects.create(
            username="someone",
            ip_address="192.0.2.1",
            user_agent="",
            http_accept="",
            path_info="/admin/login/",
        )
        site.access_failure_log = AccessFailureLog.objects.create(
            username="someone",
            ip_address="192.0.2.1",
            user_agent="",
            http_accept="",
            path_info="/admin/login/",
        )
        from accounts.tasks import send_password_reset

        send_password_reset.enqueue("nobody@example.com")  # a row for the task admin
        site.task_result = DBTaskResult.objects.get()
        site.objects = {
            "auth/group": Group.objects.get(name=EDITORS),
            "auth/user": editor,
            "axes/accessattempt": site.access_attempt,
            "axes/accesslog": site.access_log,
            "axes/accessfailurelog": site.access_failure_log,
            "django_tasks_database/dbtaskresult": site.task_result,
            "newsletter/image": site.image,
            "newsletter/revision": site.revision,
            "newsletter/issue": site.issue,
            "editorial/event": Event.objects.filter(issue=site.issue).first(),
            "curation/savedlink": site.saved_link,
            "curation/capturetoken": site.capture_token,
            "curation/linkcheck": site.link_check,
            "subscribers/subscriber": site.subscriber,
            "subscribers/suppression": site.suppression,
            "sending/send": site.send,
        }
        return site

    def url(self, route: str) -> str:
        """`route` with its parameters filled in from this site's objects."""
        issue, revision = self.issue, self.revision
        special = {
            "admin/reset/<uidb64>/<token>/": lambda: (
                f"/admin/reset/{urlsafe_base64_encode(force_bytes(self.users['editor'].pk))}/"
                f"{default_token_generator.make_token(self.users['editor'])}/"
            ),
            "preview/<str:token>/": lambda: (
                f"/preview/{previews.make_share_token(issue, previews.WORKING)}/"
            ),
            "admin/r/<path:content_type_id>/<path:object_id>/": lambda: (
                f"/admin/r/{ContentType.objects.get_for_model(Revision).pk}/{revision.pk}/"
            ),
            "subscribe/confirm/<str:token>/": lambda: (
                f"/subscribe/confirm/{links.confirmation_token(self.subscriber)}/"
            ),
            "subscription/<str:token>/": lambda: (
                f"/subscription/{links.unsubscribe_token(self.subscriber)}/"
            ),
            "unsubscribe/<str:token>/": lambda: (
                f"/unsubscribe/{links.unsubscribe_token(self.subscriber)}/"
            ),
            "admin/^(?P<app_label>auth|axes|django_tasks_database|newsletter|editorial|curation"
            "|subscribers|sending)/$": lambda: "/admin/newsletter/",
            "admin/(?P<url>.*)$": lambda: "/admin/nowhere/",
            "^media/(?P<path>.+)$": lambda: f"/media/{self.image.file.name}",
            "anymail/^mailgun/inbound(_mime)?/$": lambda: "/anymail/mailgun/inbound/",
        }
        if route in special:
            return special[route]()
        values = {
            "<int:pk>": issue.pk,
            "<int:number>": revision.number,
            "<int:issue_id>": issue.pk,
            "<issue_number:number>": issue.number,
            "<str:slug>": issue.slug,
            "<str:action>": "submit",
            "<str:fmt>": "html",
        }
        model = re.match(r"admin/(\w+/\w+)/", route)
        if model and model.group(1) in self.objects:
            values["<path:object_id>"] = self.objects[model.group(1)].pk
            if model.group(1) == "newsletter/image":
                values["<int:pk>"] = self.image.pk
            if model.group(1) == "newsletter/revision":
                values["<int:pk>"] = revision.pk
            if model.group(1) == "curation/savedlink":
                values["<int:pk>"] = self.saved_link.pk
        if route.startswith("admin/auth/user/"):
            values["<id>"] = self.users["editor"].pk
        path = route
        for converter, value in values.items():
            path = path.replace(converter, str(value))
        assert "<" not in path and "(?P" not in path, f"Fill in the parameters of {route}"
        return "/" + path


# What a GET answers, for anonymous, editor, reviewer, publisher, superuser.
EXPECTED = {
    "admin/markdownx/markdownify/": "mmmmm",
    "admin/markdownx/upload/": "mmmmm",
    "admin/newsletter/issue/import/": "lynny",
    "api/inbox/links/": "mmmmm",
    "admin/password_reset/": "yyyyy",
    "admin/password_reset/done/": "yyyyy",
    "admin/reset/<uidb64>/<token>/": "rrrrr",
    "admin/reset/done/": "yyyyy",
    "admin/preview/issues/<int:pk>/": "lyyyy",
    "admin/preview/issues/<int:pk>/revisions/<int:number>/": "lyyyy",
    "admin/preview/issues/<int:pk>/revisions/<int:number>/diff/": "lyyyy",
    "admin/preview/issues/<int:pk>/share/": "mmmmm",
    "admin/preview/issues/<int:pk>/share/revoke/": "mmmmm",
    "preview/<str:token>/": "yyyyy",
    "admin/": "lyyyy",
    "admin/login/": "yrrrr",
    "admin/logout/": "rmmmm",
    "admin/password_change/": "lyyyy",
    "admin/password_change/done/": "lyyyy",
    "admin/autocomplete/": "lnnnn",
    "admin/jsi18n/": "lyyyy",
    "admin/r/<path:content_type_id>/<path:object_id>/": "lrrrr",
    "admin/auth/group/": "lnnny",
    "admin/auth/group/add/": "lnnny",
    "admin/auth/group/<path:object_id>/history/": "lnnny",
    "admin/auth/group/<path:object_id>/delete/": "lnnny",
    "admin/auth/group/<path:object_id>/change/": "lnnny",
    "admin/auth/group/<path:object_id>/": "lrrrr",
    "admin/auth/user/<id>/password/": "lnnny",
    "admin/auth/user/": "lnnny",
    "admin/auth/user/add/": "lnnny",
    "admin/auth/user/<path:object_id>/history/": "lnnny",
    "admin/auth/user/<path:object_id>/delete/": "lnnny",
    "admin/auth/user/<path:object_id>/change/": "lnnny",
    "admin/auth/user/<path:object_id>/": "lrrrr",
    "admin/axes/accessattempt/": "lnnny",
    "admin/axes/accessattempt/add/": "lnnnn",
    "admin/axes/accessattempt/<path:object_id>/history/": "lnnny",
    "admin/axes/accessattempt/<path:object_id>/delete/": "lnnny",
    "admin/axes/accessattempt/<path:object_id>/change/": "lnnny",
    "admin/axes/accessattempt/<path:object_id>/": "lrrrr",
    "admin/axes/accesslog/": "lnnny",
    "admin/axes/accesslog/add/": "lnnnn",
    "admin/axes/accesslog/<path:object_id>/history/": "lnnny",
    "admin/axes/accesslog/<path:object_id>/delete/": "lnnny",
    "admin/axes/accesslog/<path:object_id>/change/": "lnnny",
    "admin/axes/accesslog/<path:object_id>/": "lrrrr",
    "admin/axes/accessfailurelog/": "lnnny",
    "admin/axes/accessfailurelog/add/": "lnnnn",
    "admin/axes/accessfailurelog/<path:object_id>/history/": "lnnny",
    "admin/axes/accessfailurelog/<path:object_id>/delete/": "lnnny",
    "admin/axes/accessfailurelog/<path:object_id>/change/": "lnnny",
    "admin/axes/accessfailurelog/<path:object_id>/": "lrrrr",
    "admin/django_tasks_database/dbtaskresult/": "lnnny",
    "admin/django_tasks_database/dbtaskresult/add/": "lnnnn",
    "admin/django_tasks_database/dbtaskresult/<path:object_id>/history/": "lnnny",
    "admin/django_tasks_database/dbtaskresult/<path:object_id>/delete/": "lnnnn",
    "admin/django_tasks_database/dbtaskresult/<path:object_id>/change/": "lnnny",
    "admin/django_tasks_database/dbtaskresult/<path:object_id>/": "lrrrr",
    "admin/newsletter/image/choose/": "lyyyy",
    "admin/newsletter/image/upload/": "lmmmm",
    "admin/newsletter/image/<int:pk>/describe/": "lmmmm",
    "admin/newsletter/image/": "lyyyy",
    "admin/newsletter/image/add/": "lynny",
    "admin/newsletter/image/<path:object_id>/history/": "lyyyy",
    "admin/newsletter/image/<path:object_id>/delete/": "lnnny",
    "admin/newsletter/image/<path:object_id>/change/": "lyyyy",
    "admin/newsletter/image/<path:object_id>/": "lrrrr",
    "admin/newsletter/revision/<int:pk>/email/<str:fmt>/": "lyyyy",
    "admin/newsletter/revision/": "lyyyy",
    "admin/newsletter/revision/add/": "lnnnn",
    "admin/newsletter/revision/<path:object_id>/history/": "lyyyy",
    "admin/newsletter/revision/<path:object_id>/delete/": "lnnnn",
    "admin/newsletter/revision/<path:object_id>/change/": "lyyyy",
    "admin/newsletter/revision/<path:object_id>/": "lrrrr",
    "admin/editorial/event/": "lyyyy",
    "admin/editorial/event/add/": "lnnnn",
    "admin/editorial/event/<path:object_id>/history/": "lyyyy",
    "admin/editorial/event/<path:object_id>/delete/": "lnnnn",
    "admin/editorial/event/<path:object_id>/change/": "lyyyy",
    "admin/editorial/event/<path:object_id>/": "lrrrr",
    "admin/newsletter/issue/calendar/": "lyyyy",
    "admin/newsletter/issue/<path:object_id>/transition/<str:action>/": "lmmmm",
    "admin/newsletter/issue/<path:object_id>/confirm/<str:action>/": "lmmmm",
    "admin/newsletter/issue/<path:object_id>/preview/": "lmmmm",
    "admin/newsletter/issue/": "lyyyy",
    "admin/newsletter/issue/add/": "lynny",
    "admin/newsletter/issue/<path:object_id>/history/": "lyyyy",
    "admin/newsletter/issue/<path:object_id>/delete/": "lnnny",
    "admin/newsletter/issue/<path:object_id>/change/": "lyyyy",
    "admin/newsletter/issue/<path:object_id>/send-correction/": "lnnrr",
    "admin/newsletter/issue/<path:object_id>/": "lrrrr",
    "admin/curation/savedlink/": "lynny",
    "admin/curation/savedlink/save/": "lynny",
    "admin/curation/savedlink/featured/": "lynny",
    "admin/curation/savedlink/<int:pk>/add-to-issue/": "lmmmm",
    "admin/curation/savedlink/<int:pk>/discard/": "lmmmm",
    "admin/curation/savedlink/preflight/<int:issue_id>/acknowledge/": "lmmmm",
    "admin/curation/savedlink/preflight/<int:issue_id>/check-links/": "lmmmm",
    "admin/curation/savedlink/add/": "lrrrr",
    "admin/curation/savedlink/<path:object_id>/history/": "lynny",
    "admin/curation/savedlink/<path:object_id>/delete/": "lynny",
    "admin/curation/savedlink/<path:object_id>/change/": "lynny",
    "admin/curation/savedlink/<path:object_id>/": "lrrrr",
    "admin/curation/capturetoken/": "lynny",
    "admin/curation/capturetoken/add/": "lynny",
    "admin/curation/capturetoken/<path:object_id>/history/": "lyrry",
    "admin/curation/capturetoken/<path:object_id>/delete/": "lynny",
    "admin/curation/capturetoken/<path:object_id>/change/": "lynny",
    "admin/curation/capturetoken/<path:object_id>/": "lrrrr",
    "admin/curation/linkcheck/": "lynny",
    "admin/curation/linkcheck/add/": "lnnnn",
    "admin/curation/linkcheck/<path:object_id>/history/": "lrrrr",
    "admin/curation/linkcheck/<path:object_id>/delete/": "lnnnn",
    "admin/curation/linkcheck/<path:object_id>/change/": "lrnnr",
    "admin/curation/linkcheck/<path:object_id>/": "lrrrr",
    "admin/subscribers/subscriber/import/": "lnnny",
    "admin/subscribers/subscriber/export/": "lnnyy",
    "admin/subscribers/subscriber/": "lnnyy",
    "admin/subscribers/subscriber/add/": "lnnnn",
    "admin/subscribers/subscriber/<path:object_id>/history/": "lnnyy",
    "admin/subscribers/subscriber/<path:object_id>/delete/": "lnnnn",
    "admin/subscribers/subscriber/<path:object_id>/change/": "lnnyy",
    "admin/subscribers/subscriber/<path:object_id>/": "lrrrr",
    "admin/subscribers/suppression/": "lnnyy",
    "admin/subscribers/suppression/add/": "lnnyy",
    "admin/subscribers/suppression/<path:object_id>/history/": "lnnyy",
    "admin/subscribers/suppression/<path:object_id>/delete/": "lnnny",
    "admin/subscribers/suppression/<path:object_id>/change/": "lnnyy",
    "admin/subscribers/suppression/<path:object_id>/": "lrrrr",
    "admin/sending/send/": "lnnyy",
    "admin/sending/send/add/": "lnnnn",
    "admin/sending/send/<path:object_id>/history/": "lnnyy",
    "admin/sending/send/<path:object_id>/delete/": "lnnnn",
    "admin/sending/send/<path:object_id>/change/": "lnnyy",
    "admin/sending/send/<path:object_id>/": "lrrrr",
    "admin/^(?P<app_label>auth|axes|django_tasks_database|newsletter|editorial|curation"
    "|subscribers|sending)/$": "lyyyy",
    "admin/(?P<url>.*)$": "lxxxx",
    # The mail provider's webhooks: 404 until SENDING_PROVIDER and its secret are set (see
    # test_the_csrf_exempt_addresses_refuse_a_session_cookie_alone).
    "anymail/amazon_ses/inbound/": "xxxxx",
    "anymail/brevo/inbound/": "xxxxx",
    "anymail/mailersend/inbound/": "xxxxx",
    "anymail/^mailgun/inbound(_mime)?/$": "xxxxx",
    "anymail/mailjet/inbound/": "xxxxx",
    "anymail/mailtrap/inbound/": "xxxxx",
    "anymail/postal/inbound/": "xxxxx",
    "anymail/postmark/inbound/": "xxxxx",
    "anymail/sendgrid/inbound/": "xxxxx",
    "anymail/sendinblue/inbound/": "xxxxx",
    "anymail/sparkpost/inbound/": "xxxxx",
    "anymail/amazon_ses/tracking/": "xxxxx",
    "anymail/brevo/tracking/": "xxxxx",
    "anymail/mailersend/tracking/": "xxxxx",
    "anymail/mailgun/tracking/": "xxxxx",
    "anymail/mailjet/tracking/": "xxxxx",
    "anymail/mailtrap/tracking/": "xxxxx",
    "anymail/postal/tracking/": "xxxxx",
    "anymail/postmark/tracking/": "xxxxx",
    "anymail/resend/inbound/": "xxxxx",
    "anymail/resend/tracking/": "xxxxx",
    "anymail/sendgrid/tracking/": "xxxxx",
    "anymail/sendinblue/tracking/": "xxxxx",
    "anymail/sparkpost/tracking/": "xxxxx",
    "anymail/unisender_go/tracking/": "xxxxx",
    "anymail/mandrill/": "xxxxx",
    "anymail/mandrill/tracking/": "xxxxx",
    "sitemap.xml": "yyyyy",
    "robots.txt": "yyyyy",
    "api/openapi.json": "yyyyy",
    "api/docs": "yyyyy",
    "api/issues/": "yyyyy",
    "api/issues/<int:number>/": "yyyyy",
    "api/": "xxxxx",
    "subscribe/": "yyyyy",
    "subscribe/confirm/<str:token>/": "yyyyy",
    "subscription/<str:token>/": "yyyyy",
    "unsubscribe/<str:token>/": "yyyyy",
    "": "yyyyy",
    "issues/": "yyyyy",
    "papers/": "yyyyy",
    "issues/<issue_number:number>/": "ppppp",
    "issues/<issue_number:number>-<str:slug>/email/": "yyyyy",
    "issues/<issue_number:number>-<str:slug>/email.txt": "yyyyy",
    "issues/<issue_number:number>-<str:slug>/": "yyyyy",
    "search/": "yyyyy",
    "feed/rss/": "yyyyy",
    "feed/atom/": "yyyyy",
    "favicon.ico": "yyyyy",
}
EXPECTED_GET_OPTIONAL = {
    # Served by Django only with DJANGO_SERVE_MEDIA (one host): readers get only pictures a
    # live revision shows, and this one is not on disk.
    "^media/(?P<path>.+)$": "xxxxx",
}

# The addresses that take only POST: what a POST with a CSRF token and an empty form
# answers. Refusals (l, n) come before anything is read or changed.
EXPECTED_POST = {
    "admin/markdownx/markdownify/": "lynny",
    "admin/markdownx/upload/": "lbnnb",
    "api/inbox/links/": "uuuuu",
    "admin/preview/issues/<int:pk>/share/": "lrrrr",
    "admin/preview/issues/<int:pk>/share/revoke/": "lrrrr",
    "admin/logout/": "ryyyy",
    "admin/newsletter/image/upload/": "lbnnb",
    "admin/newsletter/image/<int:pk>/describe/": "lcnnc",
    "admin/newsletter/issue/<path:object_id>/preview/": "lyyyy",
    # Only publish and schedule are confirmed: anything else goes back to the issue page.
    "admin/newsletter/issue/<path:object_id>/confirm/<str:action>/": "lrrrr",
    "admin/curation/savedlink/<int:pk>/add-to-issue/": "lrnnr",
    "admin/curation/savedlink/<int:pk>/discard/": "lrnnr",
    "admin/curation/savedlink/preflight/<int:issue_id>/acknowledge/": "lrnnr",
    "admin/curation/savedlink/preflight/<int:issue_id>/check-links/": "lrnnr",
}

# POSTs that need no CSRF token, because a cookie does not authenticate them.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients post with no cookie; the signed token in
    # the address is the authority.
    "unsubscribe/<str:token>/",
    # The inbox's capture API: a bearer token in the Authorization header, never a session.
    "api/inbox/links/",
    # The mail provider's webhooks: HTTP basic auth with ANYMAIL_WEBHOOK_SECRET (and the
    # provider's signature where it signs).
    *(route for route in EXPECTED if route.startswith("anymail/")),
}

# The JSON API (django-ninja, which exempts its views from CSRF) takes no POST at all.
READ_ONLY_API = {"api/issues/", "api/issues/<int:number>/"}


# Who succeeds at each workflow action, posted from the issue page's buttons. Withdraw is
# the submitter's (the editor here) and approve anyone's but theirs.
EXPECTED_ACTIONS = {
    "submit": {"editor", "superuser"},
    "withdraw": {"editor"},
    "request_changes": {"reviewer", "superuser"},
    "approve": {"reviewer", "superuser"},
    "publish": {"publisher", "superuser"},
    "schedule": {"publisher", "superuser"},
    "cancel_schedule": {"publisher", "superuser"},
    "unpublish": {"publisher", "superuser"},
    "restore": {"editor", "superuser"},
}


# The admin actions that change rows (the changelists' "Action" menu), and who they work for.
EXPECTED_ADMIN_ACTIONS = {
    ("sending/send", "pause_sends"): {"publisher", "superuser"},
    ("sending/send", "resume_sends"): {"publisher", "superuser"},
    ("sending/send", "retry_failed_rows"): {"publisher", "superuser"},
    ("subscribers/subscriber", "unsubscribe_selected"): {"publisher", "superuser"},
    ("subscribers/subscriber", "erase_selected"): {"superuser"},
}


def workflow_issues(site) -> dict[str, tuple[Issue, dict]]:
    """For each action, an issue it can be performed on, and the form its button posts."""
    editor, reviewer, publisher = (site.users[r] for r in ("editor", "reviewer", "publisher"))

    def issue(number):
        made = Issue.objects.create(number=number, title=f"Issue {number}", slug=f"i-{number}")
        section = Section.objects.create(issue=made, title="My work", position=0)
        Item.objects.create(section=section, title="An item", body="Words.", position=0)
        return made

    in_review = issue(10)
    perform(in_review, "submit", by=editor)
    approved = issue(11)
    perform(approved, "submit", by=editor)
    perform(approved, "approve", by=reviewer)
    scheduled = issue(12)
    perform(scheduled, "submit", by=editor)
    perform(scheduled, "approve", by=reviewer)
    perform(scheduled, "schedule", by=publisher, at=timezone.now() + timedelta(days=3))
    later = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return {
        "submit": (site.issue, {}),
        "withdraw": (in_review, {}),
        "request_changes": (in_review, {"comment": "Tighten the intro."}),
        "approve": (in_review, {"revision": "1"}),
        "publish": (approved, {"revision": "1"}),
        "schedule": (approved, {"revision": "1", "at": later}),
        "cancel_schedule": (scheduled, {}),
        "unpublish": (site.issue, {}),
        "restore": (site.issue, {"revision": str(site.revision.number)}),
    }


class PermissionWalk(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.site = Site.build()
        cls.workflow = workflow_issues(cls.site)

    def client_for(self, role: str, **options) -> Client:
        client = Client(**options)
        if role != "anonymous":
            client.force_login(self.site.users[role])
        return client

    def observed(self, response) -> str:
        code = response.status_code
        if code == 302:
            return "l" if response["Location"].startswith("/admin/login/") else "r"
        return {v: k for k, v in STATUS.items() if k not in "lr"}.get(code, f"[{code}]")

    def walk(self, expected: dict[str, str], method: str) -> int:
        checks = 0
        clients = {role: self.client_for(role) for role in ROLES}
        for route, wanted in expected.items():
            url = self.site.url(route)
            for role, want in zip(ROLES, wanted, strict=True):
                with self.subTest(route=route, role=role), transaction.atomic():
                    # A fresh session for each POST: one of them is the logout.
                    client = clients[role] if method == "get" else self.client_for(role)
                    response = getattr(client, method)(url, {})
                    transaction.set_rollback(True)
                    self.assertEqual(self.observed(response), want, f"{method.upper()} {url}")
                    checks += 1
        return checks

    def test_every_route_has_an_expectation(self):
        found = set(routes())
        known = set(EXPECTED) | set(EXPECTED_GET_OPTIONAL)
        self.assertEqual(sorted(found - known), [], "routes without an expectation")
        self.assertEqual(sorted(set(EXPECTED) - found), [], "expectations without a route")
        self.assertLessEqual(set(EXPECTED_POST), found)
        self.assertLessEqual(CSRF_EXEMPT, found)

    def test_every_route_answers_each_role_as_expected(self):
        present = {r: w for r, w in EXPECTED_GET_OPTIONAL.items() if r in routes()}
        checks = self.walk({**EXPECTED, **present}, "get")
        self.assertGreaterEqual(checks, 5 * len(EXPECTED))
        if os.environ.get("PERMISSION_WALK_REPORT"):
            print(f"\n{len(EXPECTED) + len(present)} routes, {checks} role x route GETs")

    def test_every_post_only_address_answers_each_role_as_expected(self):
        for route in EXPECTED_POST:
            self.assertTrue(set(EXPECTED[route]) <= {"l", "m", "r"}, f"{route} takes GET")
        self.walk(EXPECTED_POST, "post")

    def test_every_post_without_a_csrf_token_is_refused(self):
        """Also as a superuser, who may do everything: the token is what is missing."""
        strict = self.client_for("superuser", enforce_csrf_checks=True)
        anonymous = Client(enforce_csrf_checks=True)
        for route in routes():
            if route in CSRF_EXEMPT:
                continue
            url = self.site.url(route)
            for client in (strict, anonymous):
                with self.subTest(route=route), transaction.atomic():
                    response = client.post(url, {"post": "yes"})
                    transaction.set_rollback(True)
                    if route in READ_ONLY_API:
                        self.assertIn(response.status_code, (404, 405), f"POST {url}")
                        continue
                    self.assertEqual(response.status_code, 403, f"POST {url}")
                    self.assertIn(b"CSRF", response.content, f"POST {url}")

    def test_the_csrf_exempt_addresses_refuse_a_session_cookie_alone(self):
        superuser = self.client_for("superuser", enforce_csrf_checks=True)
        response = superuser.post("/api/inbox/links/", {"url": "https://example.com/b"})
        self.assertEqual(response.status_code, 401)
        self.assertEqual(SavedLink.objects.count(), 1)
        # One-click unsubscribe acts only with the RFC 8058 body and the signed address.
        url = self.site.url("unsubscribe/<str:token>/")
        self.assertEqual(superuser.post(url, {}).status_code, 400)
        self.subscriber_is("confirmed")
        forged = superuser.post("/unsubscribe/forged-token/", {"List-Unsubscribe": "One-Click"})
        self.assertEqual(forged.status_code, 404)
        self.subscriber_is("confirmed")
        done = Client().post(url, {"List-Unsubscribe": "One-Click"})
        self.assertEqual(done.status_code, 200)
        self.subscriber_is("unsubscribed")

    def test_the_mail_webhooks_refuse_a_session_cookie_without_their_secret(self):
        superuser = self.client_for("superuser", enforce_csrf_checks=True)
        event = '{"RecordType": "Bounce", "Type": "HardBounce", "Email": "ada@example.com"}'
        with self.settings(
            SENDING_PROVIDER="postmark", ANYMAIL={"WEBHOOK_SECRET": "hooks:a-long-secret"}
        ):
            response = superuser.post(
                "/anymail/postmark/tracking/", event, content_type="application/json"
            )
        self.assertEqual(response.status_code, 400)
        self.subscriber_is("confirmed")
        self.assertFalse(Suppression.objects.filter(email="ada@example.com").exists())

    def test_every_admin_action_works_exactly_for_its_roles(self):
        from sending.models import Delivery

        send, subscriber = self.site.send, self.site.subscriber
        state_of_send = {"pause_sends": "sending", "resume_sends": "paused"}
        for (model, action), allowed in EXPECTED_ADMIN_ACTIONS.items():
            for role in ROLES:
                with self.subTest(action=action, role=role), transaction.atomic():
                    if model == "sending/send":
                        Send.objects.filter(pk=send.pk).update(
                            state=state_of_send.get(action, "done")
                        )
                        Delivery.objects.create(
                            send=send, email="ada@example.com", state="failed", message_id="<w@x>"
                        )
                        pk = send.pk
                    else:
                        pk = subscriber.pk
                    before = self.snapshot()
                    self.client_for(role).post(
                        f"/admin/{model}/",
                        {"action": action, "_selected_action": [pk], "confirm_erasure": "yes"},
                    )
                    changed = self.snapshot() != before
                    transaction.set_rollback(True)
                    self.assertEqual(changed, role in allowed, f"{role} {action}")

    def snapshot(self):
        from sending.models import Delivery

        return (
            list(Send.objects.values_list("state")),
            list(Delivery.objects.values_list("state")),
            list(Subscriber.objects.values_list("status")),
            Suppression.objects.count(),
        )

    def subscriber_is(self, status: str):
        self.site.subscriber.refresh_from_db()
        self.assertEqual(self.site.subscriber.status, status)

    def test_every_workflow_action_succeeds_exactly_for_its_roles(self):
        self.assertEqual(set(EXPECTED_ACTIONS), set(TRANSITIONS))
        for action, allowed in EXPECTED_ACTIONS.items():
            issue, form = self.workflow[action]
            url = f"/admin/newsletter/issue/{issue.pk}/transition/{action}/"
            for role in ROLES:
                with self.subTest(action=action, role=role), transaction.atomic():
                    before = Event.objects.filter(issue=issue, action=action).count()
                    response = self.client_for(role).post(url, form)
                    done = Event.objects.filter(issue=issue, action=action).count() - before
                    transaction.set_rollback(True)
                    if role == "anonymous":
                        self.assertEqual(self.observed(response), "l")
                    else:
                        self.assertEqual(response.status_code, 302)
                    self.assertEqual(done, 1 if role in allowed else 0, f"{role} {action}")
