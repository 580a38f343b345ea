"""Start-up checks of how mail leaves: the DKIM key, the provider's webhooks."""

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


@checks.register()
def dkim_key_is_usable(app_configs=None, **kwargs):
    """A DKIM key that cannot sign is said at start-up, not discovered on every message."""
    from sending.dkim_signing import DkimKeyError, load_key

    path = settings.SENDING_DKIM_KEY_PATH
    if not path:
        return []
    problems = []
    try:
        load_key(path)
    except DkimKeyError as error:
        problems.append(
            checks.Error(str(error), hint="Fix or unset SENDING_DKIM_KEY_PATH.", id="sending.E001")
        )
    if not settings.SENDING_DKIM_SELECTOR:
        problems.append(
            checks.Error(
                "SENDING_DKIM_KEY_PATH is set but SENDING_DKIM_SELECTOR is not.",
                hint="Set the selector whose TXT record holds the public key, e.g. news2026 "
                "for news2026._domainkey.example.com.",
                id="sending.E002",
            )
        )
    backends = {mailer.get("BACKEND", "") for mailer in settings.MAILERS.values()}
    if "sending.dkim_signing.DkimSigningSMTPBackend" not in backends:
        problems.append(
            checks.Warning(
                "SENDING_DKIM_KEY_PATH is set, but no mailer sends by direct SMTP: nothing is "
                "signed with it.",
                hint="A mail provider signs with its own key: publish the record it gives you.",
                id="sending.W002",
            )
        )
    return problems
