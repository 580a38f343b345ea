"""Password reset by email for staff: Django's views under the admin's look.

Whatever address is asked for, the answer is the same page ("check your inbox"), and the
mail is written by a background task, so neither the page nor its timing tells anyone
whether an account exists. Only active staff with a usable password get a link; links
are Django's tokens, which stop working once the password changes (single use) or after
PASSWORD_RESET_TIMEOUT. Links are built on SITE_URL, never on the request's Host header.
"""

from urllib.parse import urlsplit

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from operations import throttle
from operations.client_ip import client_ip


class StaffPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_staff)


def send_reset_mail(email: str) -> None:
    """Mail a reset link to each active staff account with this address (often none)."""
    form = StaffPasswordResetForm({"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        extra_email_context={"site_name": settings.SITE_NAME},
    )


class AdminLook:
    """The admin's header, theme and titles on the auth views' pages."""

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class PasswordResetView(AdminLook, auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        from accounts.tasks import send_password_reset

        email = form.cleaned_data["email"]
        allowed = throttle.allow(
            "password-reset",
            window=settings.ACCOUNTS_RESET_THROTTLE_WINDOW,
            client=(client_ip(self.request), settings.ACCOUNTS_RESET_THROTTLE_PER_CLIENT),
            address=(email, settings.ACCOUNTS_RESET_THROTTLE_PER_ADDRESS),
        )
        if not allowed:
            context = {
                **admin.site.each_context(self.request),
                "title": "Too many password reset requests",
                "minutes": -(-settings.ACCOUNTS_RESET_THROTTLE_WINDOW // 60),
            }
            return render(
                self.request, "registration/password_reset_throttled.html", context, status=429
            )
        send_password_reset.enqueue(email)
        return redirect(self.get_success_url())


class PasswordResetDoneView(AdminLook, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(AdminLook, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever reads the account's mailbox may log in again at once.
        reset_login_failures(username=form.user.get_username())
        return response


class PasswordResetCompleteView(AdminLook, auth_views.PasswordResetCompleteView):
    pass
