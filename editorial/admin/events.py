"""The audit trail in the admin: read only."""

from django.contrib import admin

from editorial.models import Event
from newsletter.admin.revisions import ReadOnlyAdmin


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The audit trail: written only by the workflow, read here."""

    list_display = ("created_at", "issue", "action", "from_state", "to_state", "actor", "revision")
    list_filter = ("action", "to_state")
    list_select_related = ("issue", "actor", "revision")
    search_fields = ("issue__title", "comment", "actor__username")
    date_hierarchy = "created_at"
    fields = (
        "issue",
        "revision",
        "action",
        "from_state",
        "to_state",
        "actor",
        "comment",
        "effective_at",
        "created_at",
    )
    readonly_fields = fields
