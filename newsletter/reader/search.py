"""The reader's search page: /search/?q=… over live revisions only (see newsletter.search)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from newsletter import caching
from newsletter import search as searching

PAGE_SIZE = 20


def search(request):
    """Any input gives a page: odd syntax is the query parser's business, never a 500."""
    at = timezone.now()
    query, truncated = searching.normalise(request.GET.get("q", ""))
    context = {
        "query": query,
        "truncated": truncated,
        "max_chars": searching.MAX_QUERY_CHARS,
        "searched": False,
        "page": None,
        "results": [],
    }
    if not searching.has_terms(query):
        # Nothing to look for: the page does not depend on what is published.
        response = render(request, "newsletter/search.html", context)
        return caching.cache_publicly(response, at=at, change=None)

    paginator = Paginator(searching.search(query, at=at), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    entries = list(page.object_list)
    change = entries[0].next_change if entries else caching.upcoming_change(at)
    context.update(
        searched=True,
        page=page,
        results=[searching.Result.from_entry(entry) for entry in entries],
    )
    response = render(request, "newsletter/search.html", context)
    return caching.cache_publicly(response, at=at, change=change)
