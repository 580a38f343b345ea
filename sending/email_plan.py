"""Whether publishing or scheduling a revision emails the subscribers, said plainly to the
publisher: on the confirmation page before they press the button, and in the message after.

The publisher chooses (the *Also email subscribers* box); an issue goes out once
(`sends.request_send`), so a box ticked for an issue emailed before sends nothing, and
this says so instead of letting them think it went. Published now with nobody confirmed,
it reaches nobody and is recorded so (`sends.start`): this says that too, and that the
issue's email is still to come.
"""

from dataclasses import dataclass

from django.utils.timezone import now

from editorial.sitetime import describe
from sending.models import Send
from sending.sends import EMAIL_IT_LATER
from subscribers.models import Subscriber

LATER = EMAIL_IT_LATER[Send.Kind.ISSUE]


@dataclass(frozen=True)
class EmailPlan:
    asked: bool  # the publisher ticked "Also email subscribers when it goes live"
    recipients: int  # confirmed and not suppressed, counted now
    already_sent: bool  # another revision of the issue was emailed, or is waiting to be
    later: bool = False  # scheduled: the send counts who is confirmed when it starts
    # The earlier send, when it has not started: which revision, and when it goes live.
    waiting: str | None = None

    @property
    def sends(self) -> bool:
        return self.asked and not self.already_sent and (self.recipients > 0 or self.later)

    def _who(self) -> str:
        return f"{self.recipients:,} subscriber{'' if self.recipients == 1 else 's'}"

    def _why_not(self) -> str:
        if not self.asked:
            return "subscribers will not get this issue by email"
        if self.waiting:
            return (
                f"{self.waiting}, is to be emailed to the subscribers then, and an issue "
                "goes out once"
            )
        if self.already_sent:
            return (
                "this issue has been emailed to subscribers already, and an issue goes out "
                "once (once it is live, “Email the correction…” on its page resends it)"
            )
        return f"no subscriber is confirmed yet. This does not count as the issue's email: {LATER}"

    def before(self, at: str | None) -> str:
        """For the confirmation: `at` is the scheduled go-live in words, None for now."""
        if not self.sends:
            return f"No email will be sent: {self._why_not()}."
        if at is None:
            return f"{self._who()} will get it by email now, as soon as it is live."
        if not self.recipients:
            return self._nobody_yet(at)
        return (
            f"{self._who()} will get it by email at {at} "
            "(counted now: whoever is subscribed then gets it)."
        )

    def after(self, at: str | None) -> str:
        """For the message once done: `at` as for `before`."""
        if not self.sends:
            return f"No email {'was' if at is None else 'will be'} sent: {self._why_not()}."
        if at is None:
            return f"It is being emailed to {self._who()} now."
        if not self.recipients:
            return self._nobody_yet(at)
        return f"{self._who()} will get it by email at {at}."

    @staticmethod
    def _nobody_yet(at: str) -> str:
        return (
            f"Nobody is confirmed yet: whoever is subscribed at {at} will get it by email. "
            "If nobody is by then, that does not count as the issue's email."
        )


def email_plan(issue, *, asked: bool, revision=None, later: bool = False) -> EmailPlan:
    """What ticking (or not) the box means for `issue` now; `revision`, once published or
    scheduled, is the one acted on (its own send is not an earlier one); `later` when it
    is scheduled, not published now."""
    # A send that emailed nobody (cancelled, or nobody confirmed when it ran) is not one.
    earlier = Send.objects.emailed().filter(issue=issue, kind=Send.Kind.ISSUE)
    if revision is not None:
        earlier = earlier.exclude(revision=revision)
    first = earlier.select_related("revision").order_by("pk").first() if asked else None
    waiting = None
    # Waiting with its go-live to come (at it, the send starts: it is being emailed).
    if first is not None and first.state == Send.State.WAITING and first.go_live_at > now():
        waiting = f"revision {first.revision.number}, scheduled for {describe(first.go_live_at)}"
    return EmailPlan(
        asked=asked,
        recipients=Subscriber.objects.confirmed().count() if asked else 0,
        already_sent=first is not None,
        later=later,
        waiting=waiting,
    )
