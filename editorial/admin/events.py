"""The audit trail in the admin: read only, in the words the workflow's buttons use."""

from django.contrib import admin

from editorial.models import Event
from editorial.workflow import TRANSITIONS
from newsletter.admin.revisions import ReadOnlyAdmin
from newsletter.models import Issue

STATES = dict(Issue.State.choices)


def action_label(action: str) -> str:
    """The button's label for a transition ("Publish now"); an unknown action as stored."""
    transition = TRANSITIONS.get(action)
    return transition.label if transition else action


def state_label(state: str) -> str:
    return STATES.get(state, state)


class NamedValueFilter(admin.SimpleListFilter):
    """A filter on the field `parameter_name`, its values offered by their names."""

    named: tuple[tuple[str, str], ...] = ()

    def lookups(self, request, model_admin):
        return self.named

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.parameter_name: value}) if value else queryset


class ActionFilter(NamedValueFilter):
    title = "action"
    parameter_name = "action"
    named = tuple((action, t.label) for action, t in TRANSITIONS.items())


class ToStateFilter(NamedValueFilter):
    title = "state after"
    parameter_name = "to_state"
    named = tuple(Issue.State.choices)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The audit trail: written only by the workflow, read here."""

    list_display = (
        "created_at",
        "issue",
        "action_shown",
        "from_shown",
        "to_shown",
        "actor",
        "revision",
    )
    list_filter = (ActionFilter, ToStateFilter)
    list_select_related = ("issue", "actor", "revision")
    search_fields = ("issue__title", "comment", "actor__username")
    date_hierarchy = "created_at"
    fields = (
        "issue",
        "revision",
        "action_shown",
        "from_shown",
        "to_shown",
        "actor",
        "comment",
        "effective_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="action", ordering="action")
    def action_shown(self, event):
        return action_label(event.action)

    @admin.display(description="from state", ordering="from_state")
    def from_shown(self, event):
        return state_label(event.from_state)

    @admin.display(description="to state", ordering="to_state")
    def to_shown(self, event):
        return state_label(event.to_state)
