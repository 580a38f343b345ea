"""The bookmarklet: one link to drag to the bookmarks bar, saving the page it is used on."""

from django.urls import reverse

_SOURCE = (
    "(function(){{var d=document,w=window,s='';try{{s=String(w.getSelection()).slice(0,5000)}}"
    "catch(e){{}}var u='{save}?popup=1&url='+encodeURIComponent(location.href)+'&title='"
    "+encodeURIComponent(d.title)+'&text='+encodeURIComponent(s);"
    "if(!w.open(u,'newsletter_inbox','width=560,height=640')){{location.href=u}}}})();"
)


def bookmarklet_source(save_url: str) -> str:
    """The script the bookmarklet runs: opens the save page with the page's URL, title and
    selected text (a window of its own, or this one when pop-ups are blocked)."""
    return _SOURCE.format(save=save_url.replace("'", "%27"))


def bookmarklet_href(request) -> str:
    return "javascript:" + bookmarklet_source(
        request.build_absolute_uri(reverse("admin:curation_savedlink_save"))
    )
