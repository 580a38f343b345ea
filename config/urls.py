from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from newsletter import editor_endpoints

urlpatterns = [
    # django-markdownx's own endpoints are open to anyone; ours require staff and CSRF.
    path(
        "admin/markdownx/markdownify/",
        editor_endpoints.markdownify,
        name="markdownx_markdownify",
    ),
    path("admin/markdownx/upload/", editor_endpoints.upload, name="markdownx_upload"),
    path("admin/", admin.site.urls),
    path("", include("newsletter.urls")),
]

if settings.SERVE_MEDIA:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
