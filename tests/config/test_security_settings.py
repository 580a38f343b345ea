"""Production defaults are safe: the deploy check passes, TLS is required, and the app
trusts X-Forwarded-Proto only when told it runs behind a TLS-terminating proxy."""

import pytest

from tests.helpers.settings_env import REAL_KEY, manage, settings_from

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": REAL_KEY,
    "DJANGO_ALLOWED_HOSTS": "news.example.com",
    "SITE_URL": "https://news.example.com",
}


def production_setting(expression: str, **env):
    return settings_from(expression, **{**PRODUCTION, **env})


def test_production_defaults_pass_the_deploy_check_with_warnings_as_failures():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_when_https_is_switched_off_without_hsts():
    """The check is real: the opt-outs show up in it."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_HSTS_SECONDS="0",
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr


def test_production_requires_https_with_hsts_and_secure_cookies_by_default():
    assert production_setting(
        "[settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,"
        " settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD,"
        " settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SESSION_COOKIE_HTTPONLY, settings.CSRF_COOKIE_HTTPONLY,"
        " settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SAMESITE]"
    ) == [True, 31_536_000, True, True, True, True, True, True, "Lax", "Lax"]


def test_x_forwarded_proto_is_trusted_only_behind_a_declared_tls_proxy():
    assert production_setting("settings.SECURE_PROXY_SSL_HEADER") is None
    assert production_setting("settings.SECURE_PROXY_SSL_HEADER", DJANGO_BEHIND_TLS_PROXY="1") == [
        "HTTP_X_FORWARDED_PROTO",
        "https",
    ]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DJANGO_SECURE_SSL_REDIRECT": "0"}, [False, 31_536_000]),
        ({"DJANGO_HSTS_SECONDS": "0"}, [True, 0]),
    ],
)
def test_the_redirect_and_hsts_can_be_left_to_the_proxy(env, expected):
    assert (
        production_setting("[settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS]", **env)
        == expected
    )


def test_the_content_security_policy_allows_pictures_from_a_media_origin_elsewhere():
    img_src = production_setting(
        "settings.SECURE_CSP['img-src']", DJANGO_CSP_IMG_SRC="https://media.example.net"
    )
    assert img_src == ["'self'", "data:", "https://media.example.net"]


@pytest.mark.parametrize(
    ("env", "header"),
    [
        ({}, ""),
        ({"DJANGO_BEHIND_TLS_PROXY": "1"}, "HTTP_X_FORWARDED_FOR"),
        (
            {"DJANGO_BEHIND_TLS_PROXY": "1", "DJANGO_CLIENT_IP_HEADER": "HTTP_X_REAL_IP"},
            "HTTP_X_REAL_IP",
        ),
        # The subscribe form's older name still counts, so such a deployment keeps its clients.
        ({"SUBSCRIBERS_CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}, "HTTP_X_REAL_IP"),
        (
            {
                "SUBSCRIBERS_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
                "DJANGO_CLIENT_IP_HEADER": "HTTP_X_CLIENT",
            },
            "HTTP_X_CLIENT",
        ),
    ],
)
def test_one_setting_names_the_client_address_header_of_every_throttle(env, header):
    found = production_setting(
        "[settings.CLIENT_IP_HEADER, hasattr(settings, 'SUBSCRIBERS_CLIENT_IP_HEADER')]", **env
    )
    assert found == [header, False]
