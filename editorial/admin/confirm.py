"""The confirmation before publishing or scheduling: what goes live, when, and whether the
subscribers get it by email, said before the publisher presses the button.

The panel's *Publish now* and *Schedule* forms post here; this page changes nothing and
posts the same fields to the transition (`WorkflowIssueAdmin.transition_view`), which
checks everything again under the issue's lock.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from editorial import sitetime
from editorial.workflow import TRANSITIONS, TransitionNotAllowed, refusal, revision_in_review
from sending.email_plan import email_plan

# The transitions that can email the subscribers, and so are confirmed first.
EMAILING = ("publish", "schedule")


class ConfirmPublicationMixin:
    def get_urls(self):
        return [
            path(
                "<path:object_id>/confirm/<str:action>/",
                self.admin_site.admin_view(require_POST(self.confirm_view)),
                name="newsletter_issue_confirm",
            ),
            *super().get_urls(),
        ]

    def confirm_view(self, request, object_id, action):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, issue):
            raise PermissionDenied
        back = reverse("admin:newsletter_issue_change", args=(issue.pk,))
        try:
            if action not in EMAILING:
                raise TransitionNotAllowed(f"“{action[:40]}” is not confirmed on this page.")
            arguments = self.transition_arguments(request, issue, action)
            reason = refusal(
                issue,
                action,
                by=request.user,
                at=arguments["at"],
                revision=arguments["revision"],
                version=arguments["version"],
            )
            if reason:
                raise TransitionNotAllowed(reason)
        except TransitionNotAllowed as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(back)
        transition = TRANSITIONS[action]
        at = arguments["at"]
        when = sitetime.describe(at) if at else None
        revision = arguments["revision"] or revision_in_review(issue)
        plan = email_plan(issue, asked=arguments["email_subscribers"], later=at is not None)
        verb = "Publish" if action == "publish" else "Schedule"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{verb} revision {revision.number} of issue #{issue.number}?",
            "issue": issue,
            "revision": revision,
            "transition": transition,
            "when": when,
            "email": plan.before(str(when) if when else None),
            "email_sends": plan.sends,
            "fields": {
                "revision": request.POST.get("revision", ""),
                "version": request.POST.get("version", ""),
                "at": request.POST.get("at", ""),
                "email_subscribers": "1" if arguments["email_subscribers"] else "",
                "comment": request.POST.get("comment", ""),
            },
            "url": reverse("admin:newsletter_issue_transition", args=(issue.pk, action)),
            "back": back,
        }
        return TemplateResponse(request, "editorial/confirm_publication.html", context)
