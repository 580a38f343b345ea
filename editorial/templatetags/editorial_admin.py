"""Template helpers for the workflow's admin pages: named local times, the review queue."""

from django import template
from django.utils.html import format_html

from editorial import sitetime
from editorial.models import Event
from editorial.workflow import PUBLISH, REVIEW, SUBMIT

register = template.Library()


@register.filter
def site_time(value):
    """An instant in the site's zone with its name and abbreviation, and UTC beside it."""
    if not value:
        return ""
    when = sitetime.describe(value)
    return format_html(
        '<time class="site-time" datetime="{}">{} <span class="tz-name">({})</span></time>'
        ' <span class="utc-time">= {}</span>',
        when.iso,
        when.local,
        when.zone,
        when.utc,
    )


@register.filter
def site_time_text(value):
    """The same in plain text, for places that cannot hold markup (an <option>)."""
    return str(sitetime.describe(value)) if value else ""


@register.inclusion_tag("editorial/review_queue.html", takes_context=True)
def review_queue(context):
    """The admin home page's queues: issues waiting for `user`'s review, drafts sent back,
    and for publishers, approved issues waiting to be published."""
    user = context["request"].user
    queue = {
        "can_review": user.has_perm(REVIEW),
        "can_submit": user.has_perm(SUBMIT),
        "can_publish": user.has_perm(PUBLISH),
    }
    if queue["can_review"]:
        queue["waiting"] = list(Event.objects.waiting_for_review(user))
    if queue["can_publish"]:
        queue["to_publish"] = list(Event.objects.waiting_to_publish())
    if queue["can_submit"]:
        queue["sent_back"] = list(Event.objects.sent_back_to(user))
    return {"queue": queue, "request": context["request"]}
