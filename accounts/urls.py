"""Password reset for staff, under admin/ and mounted before the admin's catch-all.

Not namespaced: Django's auth views and the admin's login page reverse these names.
"""

from django.urls import path

from accounts import password_reset as views

urlpatterns = [
    path("admin/password_reset/", views.PasswordResetView.as_view(), name="admin_password_reset"),
    path(
        "admin/password_reset/done/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
