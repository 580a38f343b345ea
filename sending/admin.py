"""Sends in the admin: each send's progress, and pause, resume and retry of failed rows."""

from django.contrib import admin, messages
from django.utils.html import format_html

from sending import sends
from sending.models import Delivery, Send


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("email", "state", "attempts", "last_error", "sent_at", "message_id")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        # The failing rows first: what a publisher looks for.
        return super().get_queryset(request).exclude(state="sent").order_by("state", "id")


@admin.register(Send)
class SendAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "state", "go_live_at", "progress")
    list_filter = ("state", "kind")
    readonly_fields = (
        "issue",
        "revision",
        "kind",
        "state",
        "go_live_at",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "note",
        "progress",
    )
    exclude = ()
    inlines = [DeliveryInline]
    actions = ["pause_sends", "resume_sends", "retry_failed_rows"]

    def has_add_permission(self, request):
        return False  # sends start from the workflow (publish or schedule)

    def has_delete_permission(self, request, obj=None):
        return False  # the ledger is the record of what was sent

    def _may_act(self, request) -> bool:
        return request.user.has_perm("editorial.publish_issue")

    @admin.display(description="Progress")
    def progress(self, send):
        if send.state == Send.State.NOBODY:
            return "Nobody to email: nobody was confirmed when it started."
        counts = send.counts()
        total = counts["total"] or 1
        done = counts["sent"] + counts["failed"] + counts["bounced"]
        return format_html(
            '<progress max="{}" value="{}" aria-label="Sent">{}%</progress> '
            "{} sent · {} queued · {} failed · {} bounced",
            total,
            done,
            round(100 * done / total),
            counts["sent"],
            counts["queued"],
            counts["failed"],
            counts["bounced"],
        )

    def _each(self, request, queryset, act, verb):
        if not self._may_act(request):
            self.message_user(request, "Only publishers can do that.", messages.ERROR)
            return
        changed = sum(1 for send in queryset if act(send))
        self.message_user(request, f"{verb} {changed} send(s).")

    @admin.action(description="Pause the selected sends")
    def pause_sends(self, request, queryset):
        self._each(request, queryset, sends.pause, "Paused")

    @admin.action(description="Resume the selected sends")
    def resume_sends(self, request, queryset):
        self._each(request, queryset, sends.resume, "Resumed")

    @admin.action(description="Retry only the failed rows of the selected sends")
    def retry_failed_rows(self, request, queryset):
        self._each(request, queryset, sends.retry_failed, "Queued failed rows again in")
