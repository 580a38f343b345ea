"""Previews, diffs and share links. Mounted before admin/ so the admin's catch-all misses them."""

from django.urls import path

from editorial import views

app_name = "editorial"

urlpatterns = [
    path(
        "admin/preview/issues/<int:pk>/",
        views.preview_working_copy,
        name="preview-working-copy",
    ),
    path(
        "admin/preview/issues/<int:pk>/revisions/<int:number>/",
        views.preview_revision,
        name="preview-revision",
    ),
    path(
        "admin/preview/issues/<int:pk>/revisions/<int:number>/diff/",
        views.diff,
        name="diff",
    ),
    path("admin/preview/issues/<int:pk>/share/", views.share_create, name="share-create"),
    path(
        "admin/preview/issues/<int:pk>/share/revoke/",
        views.share_revoke,
        name="share-revoke",
    ),
    path("preview/<str:token>/", views.shared_preview, name="shared-preview"),
]
