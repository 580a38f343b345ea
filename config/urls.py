import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from curation import views as curation_views
from newsletter.admin import editor_endpoints, importing
from newsletter.api.endpoints import api
from newsletter.reader import sitemaps

# A database that cannot be reached answers 503, not 500 (operations/errors.py).
handler500 = "operations.errors.server_error"

urlpatterns = [
    # django-markdownx's own endpoints are open to anyone; ours require staff and CSRF.
    path(
        "admin/markdownx/markdownify/",
        editor_endpoints.markdownify,
        name="markdownx_markdownify",
    ),
    path("admin/markdownx/upload/", editor_endpoints.upload, name="markdownx_upload"),
    # New issue from markdown: an admin view, mounted before the admin's catch-all.
    path(
        "admin/newsletter/issue/import/",
        importing.import_issue,
        name="newsletter_issue_import",
    ),
    # Saving a link with a capture token: for scripts and phones, no session.
    path("api/inbox/links/", curation_views.capture_api, name="curation-capture-api"),
    # Password reset for staff (accounts/), before the admin's catch-all as well.
    path("", include("accounts.urls")),
    # Previews live under admin/ too: mounted first, or the admin's catch-all would take them.
    path("", include("editorial.urls")),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots-txt"),
    path("api/", api.urls),
    # The mail provider's webhooks (bounces, complaints, inbound mail): sending/webhooks.py.
    path("anymail/", include("sending.webhooks")),
    path("", include("subscribers.urls")),
    path("", include("newsletter.reader.urls")),
]

if settings.SERVE_MEDIA and not urlsplit(settings.MEDIA_URL).netloc:
    # Uploads through the gated view (newsletter/reader/media.py), with DEBUG on or off:
    # readers get only what a live revision shows.
    from django.urls import re_path

    from newsletter.reader import media

    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{re.escape(prefix)}(?P<path>.+)$", media.serve, name="media")]
