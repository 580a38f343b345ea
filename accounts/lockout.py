"""The page a locked-out login gets: the admin's login look, 429, and when it ends."""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils import timezone

from operations.client_ip import client_ip


def unlock_time(username: str, ip: str):
    """When the lockout of `username` from `ip` ends (the last failure plus the cool-off)."""
    from axes.models import AccessAttempt

    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=ip)
        .order_by("-attempt_time")
        .first()
    )
    if attempt is None:
        return timezone.now() + settings.AXES_COOLOFF_TIME
    return attempt.attempt_time + settings.AXES_COOLOFF_TIME


def lockout_response(request, original_response=None, credentials=None):
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    until = unlock_time(username, client_ip(request))
    seconds = max(1, int((until - timezone.now()).total_seconds()))
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "username": username,
        "unlock_at": timezone.localtime(until),
        "minutes": -(-seconds // 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
