"""The public subscriber pages: subscribe, confirm, preferences, one-click unsubscribe.

A GET never changes anything (mail scanners fetch every link in a message): links
open a page whose button POSTs. The one-click address (RFC 8058) takes a cookie-less,
token-less POST from mail clients and answers 200 at once. None of these pages is
stored by the public cache (`never_cache`, and the forms set the CSRF cookie).
"""

from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.shortcuts import render as django_render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from operations import throttle
from operations.client_ip import client_ip
from subscribers import links, subscriptions
from subscribers.consent import CURRENT, TEXTS
from subscribers.forms import SubscribeForm

ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")


def render(request, template, context=None, status=200):
    context = {"contact_email": settings.SUBSCRIBERS_CONTACT_EMAIL, **(context or {})}
    return django_render(request, template, context, status=status)


def _invalid_link(request, *, status=404, expired=False):
    return render(request, "subscribers/invalid_link.html", {"expired": expired}, status=status)


def _allowed(email: str, client: str) -> bool:
    """Count a request that mails `email`: the form must not mail-bomb anyone."""
    return throttle.allow(
        "subscribe",
        window=settings.SUBSCRIBERS_THROTTLE_WINDOW,
        client=(client, settings.SUBSCRIBERS_THROTTLE_PER_CLIENT),
        address=(email, settings.SUBSCRIBERS_THROTTLE_PER_ADDRESS),
    )


@never_cache
def subscribe(request):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {"consent_text": TEXTS[CURRENT]}
    if request.method != "POST":
        context["form"] = SubscribeForm()
        return render(request, "subscribers/subscribe.html", context)
    form = SubscribeForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "subscribers/subscribe.html", context, status=400)
    email = form.cleaned_data["email"]
    client = client_ip(request)
    if not _allowed(email, client):
        return render(request, "subscribers/throttled.html", context, status=429)
    subscriptions.request_subscription(email, name=form.cleaned_data["name"], ip=client)
    # One answer for every address, whatever its history: nobody learns who subscribed.
    return render(request, "subscribers/check_inbox.html", {"email": email})


@never_cache
def confirm(request, token):
    try:
        subscriber = links.subscriber_for_confirmation_token(token)
    except links.LinkExpired:
        return _invalid_link(request, status=410, expired=True)
    if subscriber is None:
        return _invalid_link(request)
    context = {"subscriber": subscriber}
    if request.method == "POST":
        context["outcome"] = subscriptions.confirm(subscriber)
        context["preferences_url"] = links.preferences_url(subscriber)
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "subscribers/confirm.html", context)


def _preferences_page(request, subscriber, *, outcome=None, status=200):
    context = {
        "subscriber": subscriber,
        "outcome": outcome,
        "blocked": subscriptions.is_blocked(subscriber.email),
        "action_url": links.preferences_url(subscriber),
    }
    return render(request, "subscribers/preferences.html", context, status=status)


@never_cache
def preferences(request, token):
    subscriber = links.subscriber_for_token(token)
    if subscriber is None:
        return _invalid_link(request)
    if request.method in ("GET", "HEAD"):
        return _preferences_page(request, subscriber)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    action = request.POST.get("action")
    if action == "unsubscribe":
        outcome = subscriptions.unsubscribe(subscriber, detail="preferences page")
    elif action == "resubscribe":
        client = client_ip(request)
        if not _allowed(subscriber.email, client):
            return render(request, "subscribers/throttled.html", {}, status=429)
        outcome = subscriptions.request_resubscription(subscriber, ip=client)
    else:
        return _preferences_page(request, subscriber, status=400)
    subscriber.refresh_from_db()
    return _preferences_page(request, subscriber, outcome=outcome)


@csrf_exempt
@never_cache
def unsubscribe(request, token):
    """RFC 8058 one-click: POST `List-Unsubscribe=One-Click` unsubscribes; GET shows the
    preferences page and changes nothing."""
    subscriber = links.subscriber_for_token(token)
    if subscriber is None:
        return _invalid_link(request)
    if request.method in ("GET", "HEAD"):
        return _preferences_page(request, subscriber)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.POST.get(ONE_CLICK_BODY[0]) != ONE_CLICK_BODY[1]:
        return render(
            request,
            "subscribers/one_click.html",
            {"bad_body": True, "preferences_url": links.preferences_url(subscriber)},
            status=400,
        )
    subscriptions.unsubscribe(subscriber, detail="one-click (List-Unsubscribe-Post)")
    return render(request, "subscribers/one_click.html", {"subscriber": subscriber})
