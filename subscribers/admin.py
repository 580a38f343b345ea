"""The subscriber list, CSV import and export, erasure, and the suppression list."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from subscribers import subscriptions
from subscribers.erasure import erase
from subscribers.export import export_csv
from subscribers.importing import ImportRefused, decode, import_subscribers
from subscribers.models import Consent, Subscriber, Suppression
from subscribers.suppression import suppress

IMPORT_MAX_BYTES = 20 * 1024 * 1024


class SuppressedFilter(admin.SimpleListFilter):
    title = "suppression list"
    parameter_name = "suppressed"

    def lookups(self, request, model_admin):
        return (("yes", "Suppressed"), ("no", "Not suppressed"))

    def queryset(self, request, queryset):
        suppressed = Exists(Suppression.objects.filter(email=OuterRef("email")))
        if self.value() == "yes":
            return queryset.filter(suppressed)
        if self.value() == "no":
            return queryset.filter(~suppressed)
        return queryset


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    fields = ("source", "text_version", "given_at", "confirmed_at", "ip_hash")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8; one address a line, or email,name. A first line 'email,name' is skipped.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )
    source = forms.CharField(
        label="Consent source",
        max_length=200,
        help_text="Where and how these people agreed to receive the newsletter, e.g. "
        "“Sign-up sheet at the May 2026 meetup”. It is kept as each person's consent record.",
        widget=forms.TextInput(attrs={"size": 80}),
    )


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "status", "receives_mail", "created_at", "confirmed_at")
    list_filter = ("status", SuppressedFilter)
    search_fields = ("email", "name")
    fields = (
        "email",
        "name",
        "status",
        "receives_mail",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    )
    readonly_fields = (
        "email",
        "status",
        "receives_mail",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    )
    inlines = [ConsentInline]
    actions = ["export_selected", "unsubscribe_selected", "erase_selected"]
    list_per_page = 100
    change_list_template = "admin/subscribers/subscriber/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                suppression_reason=Subquery(
                    Suppression.objects.filter(email=OuterRef("email")).values("reason")[:1]
                )
            )
        )

    @admin.display(description="Receives mail", ordering="suppression_reason")
    def receives_mail(self, obj):
        """Yes, or no and why: the suppression list's reason first, since it overrides
        every status, then the status (not confirmed yet, unsubscribed, bounced)."""
        if obj.suppression_reason:
            return f"No: {Suppression.Reason(obj.suppression_reason).label.lower()}"
        if obj.status != Subscriber.Status.CONFIRMED:
            return f"No: {obj.get_status_display().lower()}"
        return "Yes"

    def has_add_permission(self, request):
        # People come in through the form (double opt-in) or an import with its source.
        return False

    def has_delete_permission(self, request, obj=None):
        # Removing a person is erasure, which keeps what must be kept: see erase_selected.
        return False

    def has_erase_permission(self, request):
        return request.user.has_perm("subscribers.delete_subscriber")

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="subscribers_subscriber_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_all_view),
                name="subscribers_subscriber_export",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _csv_response(content: str) -> HttpResponse:
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        return response

    @admin.action(description="Export selected subscribers with their consent (CSV)")
    def export_selected(self, request, queryset):
        return self._csv_response(export_csv(queryset))

    def export_all_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._csv_response(export_csv(Subscriber.objects.all()))

    @admin.action(description="Unsubscribe selected subscribers", permissions=["change"])
    def unsubscribe_selected(self, request, queryset):
        count = 0
        for subscriber in queryset:
            done = subscriptions.unsubscribe(subscriber, detail=f"by staff ({request.user})")
            count += done == subscriptions.Outcome.UNSUBSCRIBED
        self.message_user(request, f"{count} unsubscribed and added to the suppression list.")

    @admin.action(description="Erase selected people's data…", permissions=["erase"])
    def erase_selected(self, request, queryset):
        if not request.user.has_perm("subscribers.delete_subscriber"):
            raise PermissionDenied
        if request.POST.get("confirm_erasure") != "yes":
            return TemplateResponse(
                request,
                "admin/subscribers/subscriber/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "subscribers": queryset,
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                    "title": "Erase these people's data?",
                },
            )
        erased = kept = 0
        for subscriber in queryset:
            kept += erase(subscriber)
            erased += 1
        self.message_user(
            request,
            f"Erased {erased} {'person' if erased == 1 else 'people'}: their addresses, names "
            f"and consent records are gone. {kept} stay suppressed by a hash of the address "
            "only, so they are not mailed or imported again.",
        )
        return None

    def import_view(self, request):
        if not request.user.has_perm("subscribers.add_subscriber"):
            raise PermissionDenied
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > IMPORT_MAX_BYTES:
                    raise ImportRefused(
                        f"The file is {upload.size:,} bytes; at most {IMPORT_MAX_BYTES:,}."
                    )
                text = decode(upload.read())
                report = import_subscribers(text, source=form.cleaned_data["source"])
            except ImportRefused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, report.summary())
        return TemplateResponse(
            request,
            "admin/subscribers/subscriber/import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "form": form,
                "report": report,
                "title": "Import subscribers",
                "changelist_url": reverse("admin:subscribers_subscriber_changelist"),
            },
        )


class SuppressionForm(forms.ModelForm):
    class Meta:
        model = Suppression
        fields = ("email", "reason", "detail")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "email" in self.fields:  # a new entry; an existing one shows it read-only
            self.fields["email"].required = True


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "reason", "created_at", "detail")
    list_filter = ("reason",)
    search_fields = ("email", "detail")
    form = SuppressionForm

    def get_readonly_fields(self, request, obj=None):
        # An entry's address (or hash) is what it is; delete the entry to lift it.
        return ("email", "created_at") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        entry = suppress(obj.email, obj.reason, detail=obj.detail or f"added by {request.user}")
        obj.pk, obj.email_hash, obj.created_at = entry.pk, entry.email_hash, entry.created_at

    def response_add(self, request, obj, post_url_continue=None):
        return redirect("admin:subscribers_suppression_changelist")
