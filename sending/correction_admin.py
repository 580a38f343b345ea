"""Emailing a correction from the issue page: a publisher, a live corrected issue whose
earlier revision went to the subscribers, a confirmation page saying who gets it, and a
POST that asks for the send (`sends.send_correction`) and records it on the timeline.

`CorrectionAdminMixin` is mixed into the issue admin (editorial/admin/issues.py).
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from sending.message import subject_for
from sending.models import Send
from sending.sends import EMAIL_IT_LATER, SendRefused, send_correction
from subscribers.models import Subscriber

SENT_STATES = (Send.State.SENDING, Send.State.PAUSED, Send.State.DONE)


def correction_offer(issue, user, *, now=None) -> dict | None:
    """What the button and its confirmation page need, or None when there is nothing to
    offer: not a publisher, nothing live, the live revision is the one that was sent (or
    nothing was sent), or this correction was already emailed."""
    from editorial.workflow import live_revision

    if not user.has_perm("editorial.publish_issue"):
        return None
    live = live_revision(issue, at=now or timezone.now())
    if live is None:
        return None
    sent = (
        Send.objects.filter(issue=issue, kind=Send.Kind.ISSUE, state__in=SENT_STATES)
        .select_related("revision")
        .order_by("-pk")
        .first()
    )
    if sent is None or sent.revision_id == live.pk:
        return None
    if Send.objects.emailed().filter(revision=live, kind=Send.Kind.CORRECTION).exists():
        return None
    return {
        "live": live,
        "sent": sent,
        "url": reverse("admin:newsletter_issue_send_correction", args=(issue.pk,)),
    }


class CorrectionAdminMixin:
    def get_urls(self):
        return [
            path(
                "<path:object_id>/send-correction/",
                self.admin_site.admin_view(self.send_correction_view),
                name="newsletter_issue_send_correction",
            ),
            *super().get_urls(),
        ]

    def send_correction_view(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not request.user.has_perm("editorial.publish_issue"):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:newsletter_issue_change", args=(issue.pk,)))
        offer = correction_offer(issue, request.user)
        if offer is None:
            messages.error(
                request,
                f"Issue #{issue.number} has no correction to email: its live revision is the "
                "one subscribers got, it was never emailed, or this correction was sent already.",
            )
            return back
        if request.method == "POST":
            return self._send_correction(request, issue, offer, back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Email the correction of issue #{issue.number}?",
            "issue": issue,
            "offer": offer,
            "recipients": Subscriber.objects.confirmed().count(),
            "subject": subject_for(offer["live"], correction=True),
        }
        return TemplateResponse(request, "sending/send_correction_confirm.html", context)

    def _send_correction(self, request, issue, offer, back):
        from editorial.models import Event
        from newsletter.models import Issue

        live = offer["live"]
        try:
            with transaction.atomic():
                # Two clicks at once: the second waits here, then finds the first's send.
                Issue.objects.select_for_update().filter(pk=issue.pk).first()
                if correction_offer(issue, request.user) is None:
                    raise SendRefused("This correction is being emailed already.")
                send = send_correction(live, by=request.user)
                # Whom its start writes rows for: with nobody now it reaches nobody.
                recipients = Subscriber.objects.confirmed().count()
                Event.objects.create(
                    issue=issue,
                    revision=live,
                    action="send_correction",
                    from_state=issue.state,
                    to_state=issue.state,
                    actor=request.user,
                    comment=request.POST.get("comment", "").strip(),
                    effective_at=send.go_live_at,
                )
        except SendRefused as error:
            messages.error(request, str(error))
            return back
        if not recipients:
            messages.warning(
                request,
                f"Revision {live.number} of issue #{issue.number} was not emailed: no "
                "subscriber is confirmed yet. This does not count as the correction's email: "
                f"{EMAIL_IT_LATER[Send.Kind.CORRECTION]}.",
            )
            return back
        messages.success(
            request,
            f"Revision {live.number} of issue #{issue.number} is being emailed to the "
            "subscribers as a correction; follow it under Sends.",
        )
        return back
