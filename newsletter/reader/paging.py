"""One way to page a public listing (the archive, the papers index): `?page=` names a page
that exists, or the answer is a 404 saying which pages do.

Serving page 1 (or the last) for `?page=abc`, `0` or `99999`, as `Paginator.get_page`
does, would hide a mistyped or stale link and give every odd spelling of a page ("02",
" 2") an address of its own; so only the plain number of an existing page is one.
"""

import re

from django.core.paginator import InvalidPage, Page, Paginator
from django.shortcuts import render

_PLAIN_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


class NoSuchPage(Exception):
    def __init__(self, asked: str, paginator: Paginator):
        self.asked, self.paginator = asked, paginator
        super().__init__(f"No page {asked!r} of {paginator.num_pages}.")


def page_of(request, object_list, per_page: int) -> Page:
    """The page `request` asks for (page 1 without `?page=`); NoSuchPage for any other."""
    paginator = Paginator(object_list, per_page)
    asked = request.GET.get("page")
    if asked is None:
        return paginator.page(1)
    if not _PLAIN_NUMBER.fullmatch(asked):
        raise NoSuchPage(asked, paginator)
    try:
        return paginator.page(int(asked))
    except InvalidPage:
        raise NoSuchPage(asked, paginator) from None


def no_such_page(request, missing: NoSuchPage, *, listing: str, url) -> object:
    """The 404 for `missing`: what was asked, which pages there are, links to the first and
    the last. `url(number)` is the address of page `number` of the listing."""
    last = missing.paginator.num_pages
    return render(
        request,
        "newsletter/no_such_page.html",
        {
            "asked": missing.asked[:40],
            "is_number": bool(_PLAIN_NUMBER.fullmatch(missing.asked)),
            "listing": listing,
            "last": last,
            "first_url": url(1),
            "last_url": url(last),
        },
        status=404,
    )
