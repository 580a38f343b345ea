"""The issue page with the workflow: its panel, its buttons, the publication calendar.

`newsletter` knows nothing of the workflow, so it leaves the issue page unregistered and
this module registers a subclass of its IssueAdmin that adds the workflow. Every button
posts to `transition_view`, which runs `editorial.workflow.perform`: the transition table
decides what is allowed, not this page.
"""

import re
from calendar import monthrange
from datetime import date, datetime, timedelta
from itertools import groupby

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from curation.issue_page import curation_context
from editorial import sitetime
from editorial.admin.confirm import EMAILING, ConfirmPublicationMixin
from editorial.admin.issue_list import (
    PublicationColumnsMixin,
    PublicationFilter,
    with_publication_columns,
)
from editorial.models import SUBMISSIONS, Event
from editorial.workflow import (
    TRANSITIONS,
    TransitionNotAllowed,
    available_actions,
    live_revision,
    perform,
    revision_in_review,
    scheduled_revisions,
    submitter,
)
from newsletter.admin.issues import IssueAdmin
from newsletter.models import Issue, Revision
from sending.correction_admin import CorrectionAdminMixin, correction_offer
from sending.email_plan import email_plan

STATE_LABELS = dict(Issue.State.choices)
# Timeline entries that are not transitions.
OTHER_EVENTS = {"send_correction": "Emailed the correction to subscribers"}


def publication_status(revision: Revision, now: datetime) -> str:
    if revision.go_live_at is None:
        return "never published"
    if revision.go_live_at > now:
        return "scheduled"
    if revision.ends_at is not None and revision.ends_at <= now:
        return "ended"
    return "live"


def sent_back_event(issue: Issue, events: list[Event]) -> Event | None:
    """The request for changes that sent this draft back, if it came back that way.

    `events` is the issue's timeline, newest first.
    """
    if issue.state != Issue.State.DRAFT:
        return None
    for event in events:
        if event.action == "request_changes":
            return event
        if event.action in SUBMISSIONS:
            return None
    return None


# The issue admin ---------------------------------------------------------------------


SUCCESS_MESSAGES = {
    "submit": "Issue #{issue} was submitted for review as revision {revision}.",
    "withdraw": "Issue #{issue} was withdrawn from review and is a draft again.",
    "request_changes": "Changes were requested on issue #{issue}; it is back in draft "
    "for {submitter}.",
    "approve": "Revision {revision} of issue #{issue} is approved and ready to publish.",
    "publish": "Revision {revision} of issue #{issue} is live now.",
    "schedule": "Revision {revision} of issue #{issue} will go live {when}.",
    "cancel_schedule": "Revision {revision} of issue #{issue} will no longer go live {when}"
    "{still}.",
    "unpublish": "Issue #{issue} is no longer live: revision {revision} ended {when}{cancelled}.",
    "restore": "Revision {source} was restored as revision {revision} and submitted for review.",
}


class WorkflowIssueAdmin(
    ConfirmPublicationMixin, CorrectionAdminMixin, PublicationColumnsMixin, IssueAdmin
):
    change_form_template = "admin/newsletter/issue/change_form.html"
    change_list_template = "editorial/issue_change_list.html"
    list_display = with_publication_columns(IssueAdmin.list_display)
    list_filter = (*IssueAdmin.list_filter, PublicationFilter)

    class Media:
        css = {"all": ["css/editorial-admin.css", "css/curation.css"]}
        js = ["js/curation-featured.js"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("calendar/", wrap(self.calendar_view), name="newsletter_issue_calendar"),
            path(
                "<path:object_id>/transition/<str:action>/",
                wrap(require_POST(self.transition_view)),
                name="newsletter_issue_transition",
            ),
            *super().get_urls(),
        ]

    # The workflow panel --------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["workflow"] = self.workflow_context(request, obj)
            context["curation"] = curation_context(request, obj)
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def workflow_context(self, request, issue: Issue) -> dict:
        now = timezone.now()
        events = list(issue.events.select_related("actor", "revision").order_by("-pk"))
        revisions = list(issue.revisions.select_related("created_by").order_by("-number"))
        for revision in revisions:
            revision.status = publication_status(revision, now)
            revision.preview_url = reverse(
                "editorial:preview-revision", args=(issue.pk, revision.number)
            )
            revision.diff_url = reverse("editorial:diff", args=(issue.pk, revision.number))
        by_number = {revision.number: revision for revision in revisions}
        for event in events:
            transition = TRANSITIONS.get(event.action)
            event.label = (
                transition.label if transition else OTHER_EVENTS.get(event.action, event.action)
            )
            event.from_label = STATE_LABELS.get(event.from_state, event.from_state)
            event.to_label = STATE_LABELS.get(event.to_state, event.to_state)
            if event.revision is not None:
                event.revision_url = by_number[event.revision.number].preview_url
        in_review = revision_in_review(issue)
        scheduled = list(scheduled_revisions(issue, at=now))
        actions = [
            self.workflow_button(issue, transition, in_review, revisions, scheduled)
            for transition in available_actions(issue, request.user)
        ]
        return {
            "issue": issue,
            "state": issue.state,
            "state_label": issue.get_state_display(),
            "submitter": submitter(issue),
            "in_review": in_review and by_number[in_review.number],
            "sent_back": sent_back_event(issue, events),
            "live": live_revision(issue, at=now),
            "scheduled": scheduled,
            "revisions": revisions,
            "events": events,
            "actions": [action for action in actions if action is not None],
            "zone": sitetime.zone_name(),
            "zone_now": sitetime.describe(now).abbreviation,
            "now_input": sitetime.to_input_value(now),
            "preview_url": reverse("editorial:preview-working-copy", args=(issue.pk,)),
            "share_create_url": reverse("editorial:share-create", args=(issue.pk,)),
            "share_revoke_url": reverse("editorial:share-revoke", args=(issue.pk,)),
            "calendar_url": reverse("admin:newsletter_issue_calendar"),
            "correction": correction_offer(issue, request.user, now=now),
        }

    def workflow_button(self, issue, transition, in_review, revisions, scheduled) -> dict | None:
        """What one button needs: its URL and which inputs to show; None hides it."""
        # Publishing or scheduling first shows what will happen, emails included.
        name = "confirm" if transition.action in EMAILING else "transition"
        form = {
            "transition": transition,
            "url": reverse(f"admin:newsletter_issue_{name}", args=(issue.pk, transition.action)),
            "confirms": name == "confirm",
            "comment": True,
            "choices": [],
        }
        if transition.action == "restore":
            form["choices"] = revisions
            if not revisions:
                return None
        elif transition.action == "cancel_schedule" and len(scheduled) > 1:
            form["choices"] = scheduled
        elif transition.action == "approve" and in_review is not None:
            form["diff_url"] = reverse("editorial:diff", args=(issue.pk, in_review.number))
        if transition.shown_revision and in_review is not None:
            # What the person is shown is what the click acts on: `perform` refuses any other.
            form["shown"] = {"revision": in_review.number, "version": issue.version}
        return form

    # Transitions ---------------------------------------------------------------------

    def transition_view(self, request, object_id, action):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, issue):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:newsletter_issue_change", args=(issue.pk,)))
        try:
            event, source = self.run_transition(request, issue, action)
        except TransitionNotAllowed as error:
            messages.error(request, str(error))
            return back
        except IntegrityError:
            messages.error(
                request,
                "That would put two revisions of this issue live at the same time, so "
                "nothing was changed. Reload the page and try again.",
            )
            return back
        messages.success(request, self.success_message(event, source))
        return back

    def run_transition(self, request, issue, action):
        arguments = self.transition_arguments(request, issue, action)
        event = perform(
            issue,
            action,
            by=request.user,
            comment=request.POST.get("comment", ""),
            **arguments,
        )
        return event, arguments["revision"]

    def transition_arguments(self, request, issue, action) -> dict:
        """`perform`'s keyword arguments from the posted form; TransitionNotAllowed for
        input that cannot be read."""
        transition = TRANSITIONS.get(action)
        if transition is None:
            raise TransitionNotAllowed(f"There is no action called “{action[:40]}”.")
        at = None
        if transition.needs_time:
            try:
                at = sitetime.parse_local(request.POST.get("at", ""))
            except sitetime.InvalidLocalTime as error:
                raise TransitionNotAllowed(str(error)) from error
        revision = None
        chosen = request.POST.get("revision", "").strip()
        if chosen and (
            transition.needs_revision or transition.shown_revision or action == "cancel_schedule"
        ):
            revision = issue.revisions.filter(number=chosen if chosen.isdigit() else -1).first()
            if revision is None:
                raise TransitionNotAllowed(f"Issue #{issue.number} has no revision “{chosen}”.")
        version = request.POST.get("version", "").strip() or None
        if version is not None:
            if not version.isdigit():
                raise TransitionNotAllowed("This page is out of date: reload it and try again.")
            version = int(version)
        return {
            "at": at,
            "revision": revision,
            "version": version,
            "email_subscribers": (
                action in EMAILING and request.POST.get("email_subscribers") == "1"
            ),
        }

    def success_message(self, event: Event, source: Revision | None) -> str:
        message = self.transition_message(event, source)
        if event.action in EMAILING:
            at = None if event.action == "publish" else str(sitetime.describe(event.effective_at))
            plan = email_plan(
                event.issue,
                asked=event.email_subscribers,
                revision=event.revision,
                later=at is not None,
            )
            message = f"{message} {plan.after(at)}"
        return message

    def transition_message(self, event: Event, source: Revision | None) -> str:
        revision = event.revision
        when = ""
        if event.action == "schedule":
            when = f"at {sitetime.describe(revision.go_live_at)}"
        elif event.action == "cancel_schedule":
            when = "as scheduled"
        elif event.action == "unpublish":
            when = f"at {sitetime.describe(event.effective_at)}"
        # Unpublish cancels what was scheduled to replace the live revision: say so.
        cancelled = ""
        times = [str(sitetime.describe(at)) for _, at in getattr(event, "cancelled", [])]
        if len(times) == 1:
            cancelled = f", and the correction scheduled for {times[0]} was cancelled"
        elif times:
            listed = ", ".join(times[:-1]) + " and " + times[-1]
            cancelled = f", and the corrections scheduled for {listed} were cancelled"
        still = ""
        if event.action == "cancel_schedule" and event.to_state == Issue.State.APPROVED:
            still = "; it is still approved: publish it now or schedule it again"
        person = submitter(event.issue)
        return SUCCESS_MESSAGES[event.action].format(
            still=still,
            issue=event.issue.number,
            revision=revision.number if revision else "",
            source=source.number if source else "",
            submitter=person.get_username() if person else "its editor",
            when=when,
            cancelled=cancelled,
        )

    # The calendar --------------------------------------------------------------------

    def calendar_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        today = timezone.now().astimezone(sitetime.zone()).date()
        month = self.parse_month(request, request.GET.get("month"), today)
        tz = sitetime.zone()
        following = month + timedelta(days=monthrange(month.year, month.month)[1])
        start = datetime(month.year, month.month, 1, tzinfo=tz)
        end = datetime(following.year, following.month, 1, tzinfo=tz)
        now = timezone.now()
        revisions = Revision.objects.filter(
            Q(go_live_at__gte=start, go_live_at__lt=end) | Q(ends_at__gte=start, ends_at__lt=end)
        ).select_related("issue")
        entries = []
        for revision in revisions:
            status = publication_status(revision, now)
            for kind, moment in (("goes live", revision.go_live_at), ("ends", revision.ends_at)):
                if moment is not None and start <= moment < end:
                    entries.append(
                        {
                            "kind": kind,
                            "moment": moment,
                            "day": moment.astimezone(tz).date(),
                            "revision": revision,
                            "status": status,
                            "url": reverse(
                                "admin:newsletter_issue_change", args=(revision.issue_id,)
                            ),
                        }
                    )
        entries.sort(key=lambda entry: (entry["moment"], entry["revision"].pk))
        days = [
            {"date": day, "entries": list(group)}
            for day, group in groupby(entries, key=lambda entry: entry["day"])
        ]
        previous = (month - timedelta(days=1)).replace(day=1)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Publication calendar: {month:%B %Y}",
            "month": month,
            "days": days,
            "zone": sitetime.zone_name(),
            "previous": previous,
            "following": following,
            "previous_month": f"{previous:%Y-%m}",
            "next_month": f"{following:%Y-%m}",
            "this_month": f"{today:%Y-%m}",
            "is_this_month": month == today.replace(day=1),
        }
        return TemplateResponse(request, "editorial/calendar.html", context)

    def parse_month(self, request, value: str | None, today: date) -> date:
        if value:
            match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
            if match and 1 <= int(match[2]) <= 12 and 1900 <= int(match[1]) <= 9998:
                return date(int(match[1]), int(match[2]), 1)
            messages.warning(
                request,
                f"“{value[:20]}” is not a month such as {today:%Y-%m}, so this is {today:%B %Y}.",
            )
        return today.replace(day=1)


admin.site.register(Issue, WorkflowIssueAdmin)
