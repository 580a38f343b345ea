"""How mail leaves is chosen by the environment: a provider through anymail, or SMTP,
DKIM-signed when a key is given."""

from tests.helpers.settings_env import load_settings


def test_a_provider_backend_and_its_anymail_variables_come_from_the_environment():
    result = load_settings(
        "settings.MAILERS['default']['BACKEND'], settings.SENDING_PROVIDER, "
        "sorted(settings.ANYMAIL.items())",
        DJANGO_EMAIL_BACKEND="anymail.backends.postmark.EmailBackend",
        ANYMAIL_POSTMARK_SERVER_TOKEN="server-token",
        ANYMAIL_WEBHOOK_SECRET="hooks:secret",
        ANYMAIL_IGNORE_RECIPIENT_STATUS="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "anymail.backends.postmark.EmailBackend postmark "
        "[('IGNORE_RECIPIENT_STATUS', True), ('POSTMARK_SERVER_TOKEN', 'server-token'), "
        "('WEBHOOK_SECRET', 'hooks:secret')]"
    )


def test_smtp_has_no_provider_and_signs_only_with_a_dkim_key():
    what = "settings.MAILERS['default']['BACKEND'], repr(settings.SENDING_PROVIDER)"
    plain = load_settings(what, DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    assert plain.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend ''"
    signed = load_settings(
        what,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SENDING_DKIM_KEY_PATH="/etc/newsletter/dkim.pem",
        SENDING_DKIM_SELECTOR="news2026",
    )
    assert signed.stdout.strip() == "sending.dkim_signing.DkimSigningSMTPBackend ''"
