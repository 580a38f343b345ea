"""The mail provider's webhooks: anymail's own views at anymail's own addresses
(`/anymail/<provider>/tracking/`, `/anymail/<provider>/inbound/`), served only for the
provider this site uses (SENDING_PROVIDER) and only once ANYMAIL["WEBHOOK_SECRET"] is set.

Anymail checks the request: HTTP basic auth against WEBHOOK_SECRET for every provider,
and the provider's own signature where it has one (Mailgun's signing key, Postmark has
none beyond basic auth). A request that fails those checks is refused with 400 before
any event is read (anymail raises SuspiciousOperation). Without a secret anymail would
accept anyone's POST, so the addresses answer 404 until one is configured. A payload
that is authenticated but not what the provider sends (wrong webhook type, not JSON) is
refused with 400 too, instead of a 500 the provider would retry forever.
"""

import logging
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError
from django.conf import settings
from django.http import Http404, HttpResponseBadRequest
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


def webhooks_enabled_for(provider: str) -> bool:
    return provider == settings.SENDING_PROVIDER and bool(
        getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET")
    )


def _for_provider(view, provider: str):
    @csrf_exempt
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not webhooks_enabled_for(provider):
            raise Http404("No webhooks for this provider here.")
        try:
            return view(request, *args, **kwargs)
        except (AnymailConfigurationError, ValueError, KeyError, TypeError) as error:
            logger.warning(
                "Refused a %s webhook payload: %s: %s", provider, type(error).__name__, error
            )
            return HttpResponseBadRequest("Not a webhook payload this address accepts.")

    return guarded


def _provider_of(pattern: URLPattern) -> str:
    # anymail names its views "<provider>_tracking_webhook", "<provider>_inbound_webhook".
    return pattern.name.rsplit("_", 2)[0]


app_name = "anymail"
urlpatterns = [
    URLPattern(
        pattern.pattern, _for_provider(pattern.callback, _provider_of(pattern)), name=pattern.name
    )
    for pattern in anymail_urls.urlpatterns
]
