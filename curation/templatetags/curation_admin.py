from django import template

from curation.bookmarklet import bookmarklet_href
from curation.models import SavedLink

register = template.Library()


@register.inclusion_tag("curation/home_panel.html", takes_context=True)
def curation_home(context):
    """The admin home's curation panel: the bookmarklet and the inbox, for those who save."""
    request = context["request"]
    if not request.user.has_perm("curation.add_savedlink"):
        return {"show": False}
    return {
        "show": True,
        "bookmarklet": bookmarklet_href(request),
        "waiting": SavedLink.objects.in_inbox().count(),
    }
