"""The issue list's publication columns and filter: what is live, and what will go live.

An issue's state is its working copy's ("Draft" again once published), so the list also
shows the revision readers see now and the next one scheduled. Both come from
`Revision.objects.live()` / `.scheduled()` as subqueries annotated on the list's one
query, so the page costs the same number of queries however many rows it shows.
"""

from django.contrib import admin
from django.db.models import DateTimeField, Exists, OuterRef, PositiveIntegerField, Subquery
from django.utils import timezone
from django.utils.html import format_html

from editorial import sitetime
from newsletter.models import Revision

EMPTY = "—"


def _first(revisions, field: str, output_field) -> Subquery:
    return Subquery(revisions.values(field)[:1], output_field=output_field)


def live_revisions(now):
    return Revision.objects.live(at=now).filter(issue=OuterRef("pk"))


def scheduled_revisions(now):
    return Revision.objects.scheduled(at=now).filter(issue=OuterRef("pk")).order_by("go_live_at")


def annotate_publication(queryset, now):
    """Annotate `live_number`, `live_since`, `scheduled_number` and `scheduled_at`."""
    live, scheduled = live_revisions(now), scheduled_revisions(now)
    return queryset.annotate(
        live_number=_first(live, "number", PositiveIntegerField()),
        live_since=_first(live, "go_live_at", DateTimeField()),
        scheduled_number=_first(scheduled, "number", PositiveIntegerField()),
        scheduled_at=_first(scheduled, "go_live_at", DateTimeField()),
    )


def local_time(value):
    """An instant in the site's zone, short enough for a column; the zone and UTC on hover."""
    when = sitetime.describe(value)
    return format_html(
        '<time class="site-time" datetime="{}" title="{} ({}), {}">{}</time>',
        when.iso,
        when.local,
        when.zone,
        when.utc,
        when.local,
    )


class PublicationFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("scheduled", "Scheduled"), ("not_live", "Not live")]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "live":
                return queryset.filter(Exists(live_revisions(now)))
            case "scheduled":
                return queryset.filter(Exists(scheduled_revisions(now)))
            case "not_live":
                return queryset.filter(~Exists(live_revisions(now)))
        return queryset


class PublicationColumnsMixin:
    """For the issue admin: the "Live" and "Scheduled" columns and the publication filter.

    Put `"live_revision"` and `"next_scheduled"` in `list_display` (see
    `with_publication_columns`) and `PublicationFilter` in
    `list_filter`.
    """

    def get_queryset(self, request):
        return annotate_publication(super().get_queryset(request), timezone.now())

    @admin.display(description="Live", ordering="live_since")
    def live_revision(self, issue):
        if issue.live_number is None:
            return EMPTY
        return format_html(
            'revision {}<br><span class="publication-when">since {}</span>',
            issue.live_number,
            local_time(issue.live_since),
        )

    @admin.display(description="Scheduled", ordering="scheduled_at")
    def next_scheduled(self, issue):
        if issue.scheduled_at is None:
            return EMPTY
        return format_html(
            'revision {}<br><span class="publication-when">at {}</span>',
            issue.scheduled_number,
            local_time(issue.scheduled_at),
        )


def with_publication_columns(columns) -> tuple:
    """`columns` with the publication columns after "state" (last when there is none)."""
    added = ("live_revision", "next_scheduled")
    columns = [c for c in columns if c not in added]
    at = columns.index("state") + 1 if "state" in columns else len(columns)
    return (*columns[:at], *added, *columns[at:])
