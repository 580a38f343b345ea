"""The editorial workflow: one transition table and one entry point, `perform`.

This module is the only code that changes `Issue.state` or a revision's publication
interval. The admin's buttons, the permission checks and the tests all read
`TRANSITIONS`.

A revision is live while go_live_at <= now < ends_at. Publishing or scheduling places
the approved revision on the issue's timeline: the revision live at that moment ends
there, and the new one runs until the next revision already scheduled, if any.
"""

import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from curation.preflight import submit_refusal
from editorial.models import Event
from editorial.signals import transition_performed, transition_recorded
from newsletter.content.build import build_snapshot
from newsletter.content.freeze import freeze
from newsletter.content.markdown import MarkdownRefused
from newsletter.content.renditions import RenditionsUnavailable
from newsletter.models import Issue, Revision
from newsletter.models.revisions import publication_number_refusal
from newsletter.reader import live_state

logger = logging.getLogger(__name__)

DRAFT, IN_REVIEW, APPROVED = Issue.State.DRAFT, Issue.State.IN_REVIEW, Issue.State.APPROVED
ANY_STATE = (DRAFT, IN_REVIEW, APPROVED)

SUBMIT = "editorial.submit_issue"
REVIEW = "editorial.review_issue"
PUBLISH = "editorial.publish_issue"


class TransitionNotAllowed(Exception):
    """A refused transition; the message says why in words fit to show the user."""


@dataclass
class Context:
    """What one transition works with, the issue row locked for its duration."""

    issue: Issue
    transition: "Transition"
    by: object
    comment: str
    at: datetime | None
    revision: Revision | None
    now: datetime
    version: int | None = None  # the issue's version on the page the person acted from
    # Schedules the transition cancelled on the way (unpublish): (revision, its go_live_at).
    cancelled: list[tuple[Revision, datetime]] = field(default_factory=list)
    _in_review: object = field(default=None, init=False, repr=False, compare=False)

    def in_review(self) -> Revision | None:
        """`revision_in_review(issue)`, read once: guards and effect all ask for it, and the
        issue's row lock keeps it from changing until the transition is done."""
        if self._in_review is None:
            revision = revision_in_review(self.issue)
            if revision is not None:
                revision.issue = self.issue  # the row already read, not a second read
            self._in_review = (revision,)
        return self._in_review[0]


@dataclass(frozen=True, kw_only=True)
class Transition:
    action: str
    label: str
    # What it does, in the words that follow "to", `{issue}` standing for what it is done
    # to: "publish {issue} now" (see `to`). Sentences are built from it, never the label.
    phrase: str
    sources: tuple[str, ...]  # the states it can start from
    # The state it leaves the issue in: a state, None (unchanged), or a function of the
    # context and the revision acted on, for a transition whose outcome depends on them.
    target: "str | Callable[[Context, Revision], str | None] | None"
    permission: str  # who may: "app_label.codename"
    guard: Callable[[Context], str | None]  # a reason to refuse, or None
    effect: Callable[[Context], Revision | None]  # does it; returns the revision acted on
    # Checked when the action is performed, not when buttons are listed: the button stays,
    # and pressing it says what is in the way (the preflight before submit).
    gate: Callable[[Context], str | None] | None = None
    comment_required: bool = False
    needs_time: bool = False
    needs_revision: bool = False
    # It acts on the revision the person was shown: their form carries its number (and the
    # issue's version), and `perform` refuses any other.
    shown_revision: bool = False
    description: str = ""

    def to(self, issue: str) -> str:
        """What it does to `issue` ("issues", "it"), said after "to": "publish it now"."""
        return self.phrase.format(issue=issue)

    def target_for(self, ctx: "Context", acted_on: Revision | None) -> str:
        """The state the issue is left in once the effect has run."""
        target = self.target(ctx, acted_on) if callable(self.target) else self.target
        return target or ctx.issue.state


# Reads -------------------------------------------------------------------------------


def revision_in_review(issue: Issue) -> Revision | None:
    """The revision frozen by the latest submit (or restore): the one reviewed and published."""
    if issue.state == DRAFT:
        return None
    event = (
        Event.objects.filter(issue=issue)
        .submissions()
        .select_related("revision")  # with the event, in one query
        .order_by("-pk")
        .first()
    )
    return event.revision if event else None


def submitter(issue: Issue):
    event = Event.objects.latest_submission(issue)
    return event.actor if event else None


def live_revision(issue: Issue, at=None) -> Revision | None:
    return Revision.objects.live(at=at).filter(issue=issue).first()


def scheduled_revisions(issue: Issue, at=None):
    return Revision.objects.scheduled(at=at).filter(issue=issue).order_by("go_live_at")


# Guards ------------------------------------------------------------------------------


def _no_guard(ctx: Context) -> None:
    return None


def _only_the_submitter(ctx: Context) -> str | None:
    if ctx.by != submitter(ctx.issue):
        return "Only the person who submitted this issue can withdraw it."
    return None


def _all(*guards: Callable[[Context], str | None]) -> Callable[[Context], str | None]:
    """A guard that refuses with the first of `guards` that refuses."""

    def guard(ctx: Context) -> str | None:
        for one in guards:
            reason = one(ctx)
            if reason:
                return reason
        return None

    return guard


def _the_shown_revision(ctx: Context) -> str | None:
    """Approve, publish and schedule act on the revision the person read, or not at all.

    `ctx.revision` is the revision their page showed (None from scripts: the one in review).
    """
    shown = ctx.revision
    if shown is None:
        return None
    if shown.issue_id != ctx.issue.pk:
        return "That revision belongs to another issue."
    current = ctx.in_review()
    if current is not None and current.pk == shown.pk:
        return None
    if current is None:
        return (
            f"Revision {shown.number}, which you were shown, is no longer under review or "
            f"approved, so you cannot {ctx.transition.to('it')}."
        )
    event = Event.objects.latest_submission(ctx.issue)
    who = (event.actor.get_full_name() or event.actor.get_username()) if event.actor else "someone"
    when = timezone.localtime(event.created_at)
    where = "approved" if ctx.issue.state == APPROVED else "under review"
    return (
        f"Revision {current.number} is now {where}, not revision {shown.number} that you "
        f"were shown: {who} submitted it at {when:%H:%M:%S on %d %b %Y} ({when.tzname()}). "
        f"Nothing was changed: re-read revision {current.number} before you "
        f"{ctx.transition.to('it')}."
    )


def _not_the_submitter(ctx: Context) -> str | None:
    if getattr(settings, "EDITORIAL_ALLOW_SELF_APPROVAL", False):
        return None
    if ctx.by == submitter(ctx.issue):
        return "You submitted this issue, so someone else has to approve it."
    return None


def _approved_revision_unpublished(ctx: Context) -> str | None:
    revision = ctx.in_review()
    if revision is None:
        return "There is no approved revision to publish."
    if revision.go_live_at is not None:
        return f"Revision {revision.number} has already been published or scheduled."
    return None


def _number_is_the_issues(ctx: Context) -> str | None:
    """A published number belongs to its issue for good: see `publication_number_refusal`."""
    revision = ctx.in_review()
    return publication_number_refusal(revision) if revision is not None else None


def _schedulable(ctx: Context) -> str | None:
    reason = _approved_revision_unpublished(ctx)
    if reason or ctx.at is None:
        return reason
    if ctx.at <= ctx.now:
        return "Choose a time in the future to schedule publication, or publish now."
    return None


def _has_scheduled_revision(ctx: Context) -> str | None:
    scheduled = scheduled_revisions(ctx.issue, at=ctx.now)
    if ctx.revision is not None:
        scheduled = scheduled.filter(pk=ctx.revision.pk)
    if not scheduled.exists():
        return "No revision of this issue is scheduled to go live."
    return None


def _has_live_revision(ctx: Context) -> str | None:
    live = live_revision(ctx.issue, at=ctx.now)
    if live is None:
        return "This issue is not live, so there is nothing to unpublish."
    if live.go_live_at == ctx.now:
        return "This issue went live this very instant; unpublish it a moment later."
    return None


def _preflight_passes(ctx: Context) -> str | None:
    """Nothing goes to review with a preflight error in it (curation.preflight)."""
    return submit_refusal(ctx.issue)


def _restorable(ctx: Context) -> str | None:
    if ctx.revision is None:
        return None  # listed as available; the revision is chosen on the revision's page
    if ctx.revision.issue_id != ctx.issue.pk:
        return "That revision belongs to another issue."
    return None


# Effects -----------------------------------------------------------------------------


def _submit(ctx: Context) -> Revision:
    try:
        return freeze(ctx.issue, by=ctx.by)
    except MarkdownRefused as refusal:  # saved before the editing forms checked it
        raise TransitionNotAllowed(
            f"Issue #{ctx.issue.number} cannot be frozen for review as it is: one of its "
            f"texts was refused. {refusal}"
        ) from refusal
    except RenditionsUnavailable as refusal:
        raise TransitionNotAllowed(str(refusal)) from refusal


def _restore(ctx: Context) -> Revision:
    return freeze(ctx.issue, by=ctx.by, snapshot=ctx.revision.content)


def _nothing(ctx: Context) -> Revision | None:
    return ctx.in_review()


def _place(revision: Revision, at: datetime) -> None:
    """Make `revision` live from `at` until the next revision already scheduled."""
    # Only intervals are read and written here: the snapshots stay in the database.
    current = Revision.objects.live(at=at).filter(issue=revision.issue).defer("snapshot").first()
    if current is not None:
        if current.go_live_at == at:
            raise TransitionNotAllowed(
                f"Revision {current.number} goes live at that very second; choose another time."
            )
        current.ends_at = at
        current.save(update_fields=["ends_at"])
    following = (
        scheduled_revisions(revision.issue, at=at).exclude(pk=revision.pk).defer("snapshot").first()
    )
    revision.go_live_at = at
    revision.ends_at = following.go_live_at if following else None
    revision.save(update_fields=["go_live_at", "ends_at"])


def _publish(ctx: Context) -> Revision:
    revision = ctx.in_review()
    _place(revision, ctx.now)
    return revision


def _schedule(ctx: Context) -> Revision:
    revision = ctx.in_review()
    _place(revision, ctx.at)
    return revision


def _cancel_schedule(ctx: Context) -> Revision:
    revision = ctx.revision or scheduled_revisions(ctx.issue, at=ctx.now).first()
    go_live_at, ends_at = revision.go_live_at, revision.ends_at
    revision.go_live_at = revision.ends_at = None
    revision.save(update_fields=["go_live_at", "ends_at"])
    # The revision that was to give way at that moment carries on instead.
    for previous in Revision.objects.filter(issue=ctx.issue, ends_at=go_live_at):
        previous.ends_at = ends_at
        previous.save(update_fields=["ends_at"])
    return revision


def _unpublish(ctx: Context) -> Revision:
    revision = live_revision(ctx.issue, at=ctx.now)
    revision.ends_at = ctx.now
    revision.save(update_fields=["ends_at"])
    # A taken-down issue stays down: a correction scheduled earlier would otherwise bring
    # it back by itself at its time.
    for scheduled in list(scheduled_revisions(ctx.issue, at=ctx.now)):
        ctx.cancelled.append((scheduled, scheduled.go_live_at))
        scheduled.go_live_at = scheduled.ends_at = None
        scheduled.save(update_fields=["go_live_at", "ends_at"])
    return revision


# Targets -----------------------------------------------------------------------------


def _approved_again_if_unchanged(ctx: Context, cancelled: Revision) -> str | None:
    """A cancelled schedule leaves its revision approved, ready to publish or schedule again,
    as long as nothing came after it: it is still the revision submitted last (no newer one
    is in review) and the working copy is exactly what was approved. Otherwise the issue
    stays as it is (a draft with edits in it needs submitting again)."""
    if ctx.issue.state != DRAFT:
        return None  # a newer revision is in review or approved: leave it so
    latest = Event.objects.latest_submission(ctx.issue)
    if latest is None or latest.revision_id != cancelled.pk:
        return None
    if not Event.objects.filter(issue=ctx.issue, action="approve", pk__gt=latest.pk).exists():
        return None
    if build_snapshot(ctx.issue) != cancelled.content:
        return None  # edited since: what is there now was never approved
    return APPROVED


# The table ---------------------------------------------------------------------------

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            action="submit",
            label="Submit for review",
            phrase="submit {issue} for review",
            sources=(DRAFT,),
            target=IN_REVIEW,
            permission=SUBMIT,
            guard=_no_guard,
            gate=_preflight_passes,
            effect=_submit,
            description="Freezes the working copy as a new revision for review.",
        ),
        Transition(
            action="withdraw",
            label="Withdraw",
            phrase="withdraw {issue} from review",
            sources=(IN_REVIEW, APPROVED),
            target=DRAFT,
            permission=SUBMIT,
            guard=_only_the_submitter,
            effect=_nothing,
            description="Takes the issue back to draft to keep editing.",
        ),
        Transition(
            action="request_changes",
            label="Request changes",
            phrase="request changes to {issue}",
            sources=(IN_REVIEW, APPROVED),
            target=DRAFT,
            permission=REVIEW,
            guard=_no_guard,
            effect=_nothing,
            comment_required=True,
            description="Sends the issue back to its editor, saying what to change.",
        ),
        Transition(
            action="approve",
            label="Approve",
            phrase="approve {issue}",
            sources=(IN_REVIEW,),
            target=APPROVED,
            permission=REVIEW,
            guard=_all(_the_shown_revision, _not_the_submitter),
            effect=_nothing,
            shown_revision=True,
            description="Approves the revision under review for publication.",
        ),
        Transition(
            action="publish",
            label="Publish now",
            phrase="publish {issue} now",
            sources=(APPROVED,),
            target=DRAFT,
            permission=PUBLISH,
            guard=_all(_the_shown_revision, _approved_revision_unpublished, _number_is_the_issues),
            effect=_publish,
            shown_revision=True,
            description="The approved revision goes live now.",
        ),
        Transition(
            action="schedule",
            label="Schedule",
            phrase="schedule {issue}",
            sources=(APPROVED,),
            target=DRAFT,
            permission=PUBLISH,
            guard=_all(_the_shown_revision, _schedulable, _number_is_the_issues),
            effect=_schedule,
            needs_time=True,
            shown_revision=True,
            description="The approved revision goes live at the chosen second.",
        ),
        Transition(
            action="cancel_schedule",
            label="Cancel schedule",
            phrase="cancel scheduled publications",
            sources=ANY_STATE,
            target=_approved_again_if_unchanged,
            permission=PUBLISH,
            guard=_has_scheduled_revision,
            effect=_cancel_schedule,
            description=(
                "The scheduled revision will not go live; unless the issue has changed "
                "since, it stays approved, to publish now or schedule again."
            ),
        ),
        Transition(
            action="unpublish",
            label="Unpublish",
            phrase="unpublish {issue}",
            sources=ANY_STATE,
            target=None,
            permission=PUBLISH,
            guard=_has_live_revision,
            effect=_unpublish,
            description="Takes the issue off every public page now.",
        ),
        Transition(
            action="restore",
            label="Restore this revision",
            phrase="restore older revisions of {issue}",
            sources=(DRAFT,),
            target=IN_REVIEW,
            permission=SUBMIT,
            guard=_restorable,
            effect=_restore,
            needs_revision=True,
            description="Submits a copy of an older revision for review.",
        ),
    ]
}


# Entry points ------------------------------------------------------------------------


def _latest_change(issue: Issue) -> str:
    """Who moved the issue last, and when: a button clicked on a page opened before someone
    else acted (or two people clicking at once) gets told what happened meanwhile."""
    event = Event.objects.last_for(issue)
    if event is None or event.action not in TRANSITIONS:
        return ""
    who = (event.actor.get_full_name() or event.actor.get_username()) if event.actor else "someone"
    when = timezone.localtime(event.created_at)
    label = TRANSITIONS[event.action].label
    return f" Last change: “{label}” by {who} at {when:%H:%M:%S on %d %b %Y} ({when.tzname()})."


def _refusal(
    issue: Issue, transition: Transition, user, ctx: Context, *, explain: bool = False
) -> str | None:
    if not (user and user.is_active and user.has_perm(transition.permission)):
        return f"You do not have permission to {transition.to('issues')}."
    if issue.state not in transition.sources:
        return (
            f"Issue #{issue.number} is {issue.get_state_display().lower()}: "
            f"“{transition.label}” is not possible now."
        ) + (_latest_change(issue) if explain else "")
    reason = transition.guard(ctx)
    if reason is None and ctx.version is not None and ctx.version != issue.version:
        reason = (
            f"Issue #{issue.number} changed after you opened its page, so nothing was done."
            + _latest_change(issue)
            + " Look at the page again and try once more if you still want to."
        )
    return reason


def available_actions(issue: Issue, user) -> list[Transition]:
    """The transitions `user` may perform on `issue` now, in table order."""
    now = timezone.now()
    available = []
    for transition in TRANSITIONS.values():
        ctx = Context(issue, transition, user, "", None, None, now)
        if _refusal(issue, transition, user, ctx) is None:
            available.append(transition)
    return available


def refusal(
    issue: Issue,
    action: str,
    *,
    by,
    at: datetime | None = None,
    revision: Revision | None = None,
    version: int | None = None,
) -> str | None:
    """Why `perform` would refuse `action` now, or None; nothing is locked or written.

    For a confirmation page: the same words before the person confirms as after (the
    transition checks again when it is performed, under the issue's lock).
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        return f"There is no action called “{action}”."
    if transition.needs_time and at is None:
        return "Choose the date and time to publish at."
    if at is not None:
        at = at - timedelta(microseconds=at.microsecond)
    ctx = Context(issue, transition, by, "", at, revision, timezone.now(), version)
    reason = _refusal(issue, transition, by, ctx, explain=True)
    if not reason and transition.gate is not None:
        reason = transition.gate(ctx)
    return reason


def _announce(event: Event) -> None:
    """Send `transition_performed`; a receiver that fails is logged, the others still run.

    The transition has committed by then, so nothing a receiver does may turn it into
    an error for the person who performed it.
    """
    for receiver, outcome in transition_performed.send_robust(sender=Transition, event=event):
        if isinstance(outcome, Exception):
            logger.error(
                "%s failed after %s of %s",
                getattr(receiver, "__qualname__", receiver),
                event.action,
                event.issue,
                exc_info=outcome,
            )


def perform(
    issue: Issue,
    action: str,
    *,
    by,
    comment: str = "",
    at: datetime | None = None,
    revision: Revision | None = None,
    version: int | None = None,
    email_subscribers: bool = False,
) -> Event:
    """Run one transition on `issue` as `by`, or raise TransitionNotAllowed and change nothing.

    `at` is the publication time for `schedule`; `revision` names the revision for
    `restore` (required) and `cancel_schedule` (default: the next scheduled one), and for
    `approve`, `publish` and `schedule` the revision the person was shown: any other
    revision in review is refused (None: the one in review, for scripts). `version`, when
    given, is the issue's version the person saw: a later one is refused.

    `email_subscribers` (publish and schedule only) also emails the revision to the
    subscribers when it goes live; without it nothing is emailed (see README, "Sending the
    newsletter").

    The returned Event's `cancelled` lists the (revision, go_live_at) of the schedules the
    transition cancelled on the way: unpublish cancels every scheduled revision of the issue.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotAllowed(f"There is no action called “{action}”.")
    comment = (comment or "").strip()
    if "\x00" in comment:  # PostgreSQL cannot store it: say so instead of failing the write
        raise TransitionNotAllowed("Remove the NUL character (U+0000) from the comment.")
    if transition.comment_required and not comment:
        raise TransitionNotAllowed(f"Say what should change: “{transition.label}” needs a comment.")
    if transition.needs_time and at is None:
        raise TransitionNotAllowed("Choose the date and time to publish at.")
    if email_subscribers and action not in ("publish", "schedule"):
        raise TransitionNotAllowed("Only publishing or scheduling can email subscribers.")
    if transition.needs_revision and revision is None:
        raise TransitionNotAllowed("Choose the revision to restore.")
    if at is not None:
        if timezone.is_naive(at):
            raise TransitionNotAllowed("The publication time needs a time zone.")
        at = at - timedelta(microseconds=at.microsecond)  # to the second

    caller_issue = issue
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        ctx = Context(issue, transition, by, comment, at, revision, timezone.now(), version)
        reason = _refusal(issue, transition, by, ctx, explain=True)
        if not reason and transition.gate is not None:
            reason = transition.gate(ctx)
        if reason:
            raise TransitionNotAllowed(reason)
        from_state = issue.state
        acted_on = transition.effect(ctx)
        to_state = transition.target_for(ctx, acted_on)
        for cancelled, _was_at in ctx.cancelled:  # in the timeline too, before what did it
            Event.objects.create(
                issue=issue,
                revision=cancelled,
                action="cancel_schedule",
                from_state=from_state,
                to_state=to_state,
                actor=by,
                comment=f"Cancelled by the “{transition.label}” of revision {acted_on.number}.",
                effective_at=ctx.now,
            )
        # Any edit page opened before this transition is now stale.
        Issue.objects.filter(pk=issue.pk).update(
            state=to_state, version=F("version") + 1, updated_at=ctx.now, updated_by=by
        )
        event = Event.objects.create(
            issue=issue,
            revision=acted_on,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor=by,
            comment=comment,
            effective_at=at if action == "schedule" else ctx.now,
        )
        event.cancelled = ctx.cancelled
        event.email_subscribers = email_subscribers
        # Rows that must commit or roll back with the transition (a send to start at go-live).
        transition_recorded.send(sender=Transition, event=event)
        # After commit, in the caller's context: receivers see what the caller set (muting).
        context = contextvars.copy_context()
        transaction.on_commit(lambda: context.run(_announce, event))
        # Then return only once every web process shows what the transition changed.
        transaction.on_commit(live_state.settle, robust=True)
    # The caller's object must not save the old state or version back over these.
    caller_issue.refresh_from_db(fields=["state", "version", "updated_at", "updated_by"])
    return event
