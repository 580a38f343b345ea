"""Start-up checks of how mail leaves: the provider's webhooks."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def provider_webhooks_have_a_secret(app_configs=None, **kwargs):
    """Without WEBHOOK_SECRET the provider's bounces and complaints cannot reach us."""
    if not settings.SENDING_PROVIDER or settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return []
    return [
        checks.Warning(
            f"Mail goes through {settings.SENDING_PROVIDER}, but ANYMAIL_WEBHOOK_SECRET is not "
            "set: its bounce, complaint and inbound webhooks are not served, so bounced "
            "addresses keep being mailed.",
            hint="Set ANYMAIL_WEBHOOK_SECRET to a random user:password and give the provider "
            "https://user:password@your-site/anymail/<provider>/tracking/.",
            id="sending.W001",
        )
    ]
