"""Start-up checks: the links in every email must be usable by mail providers."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def site_url_is_https(app_configs=None, **kwargs):
    """RFC 8058 one-click unsubscribe needs an https URI; the links are built on SITE_URL."""
    if settings.DEBUG or settings.SITE_URL.startswith("https://"):
        return []
    return [
        checks.Warning(
            f"SITE_URL is {settings.SITE_URL!r}: unsubscribe links in emails must be https "
            "(RFC 8058), and Gmail and Yahoo refuse bulk mail without them.",
            hint="Set SITE_URL to the site's public https address, e.g. https://news.example.com.",
            id="subscribers.W001",
        )
    ]
