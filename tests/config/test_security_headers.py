"""Every response carries the security headers: pages, stored pages, the admin, errors,
static files and media."""

import pytest
from django.conf import settings

from tests.helpers.reader import public_url

pytestmark = pytest.mark.django_db

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_secure_headers(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.get(name))
    assert response["Permissions-Policy"].startswith("accelerometer=(), autoplay=(), camera=()")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_a_public_page_has_the_headers_when_built_and_when_served_from_the_cache(client, published):
    issue = published()
    built = client.get(public_url(issue))
    stored = client.get(public_url(issue))
    assert (built["X-Cache"], stored["X-Cache"]) == ("miss", "hit")
    for response in (built, stored):
        assert_secure_headers(response)
    # A public page has no inline code, so it needs no nonce: the stored bytes stay valid.
    assert "nonce-" not in stored["Content-Security-Policy"]
    assert "script-src 'self';" in stored["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/issues/", "/search/?q=x", "/feed/rss/", "/api/issues"])
def test_public_responses_have_the_headers(client, published, path):
    published()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert_secure_headers(response)


def test_not_found_pages_have_the_headers(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_secure_headers(response)


def test_static_files_have_the_headers(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # served by WhiteNoise without collectstatic
    response = client.get(f"{settings.STATIC_URL}css/site.css")
    assert response.status_code == 200
    assert_secure_headers(response)


@pytest.mark.urls("tests.config.media_urls")
def test_media_has_the_headers(admin_client, media_in_tmp):
    picture = media_in_tmp / "images" / "a.webp"
    picture.parent.mkdir(parents=True)
    picture.write_bytes(b"RIFF\x00\x00\x00\x00WEBP")
    response = admin_client.get(f"{settings.MEDIA_URL}images/a.webp")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_the_admin_gets_a_nonce_for_what_it_marks_with_one(admin_client):
    """Django's admin templates mark their stylesheets with the request's nonce."""
    response = admin_client.get("/admin/")
    assert_secure_headers(response)
    nonce = response.context["csp_nonce"]
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_the_email_edition_allows_exactly_its_own_inline_styles(client, published):
    issue = published()
    page = client.get(public_url(issue))
    response = client.get(page.wsgi_request.path.rstrip("/") + "/email/", follow=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    style_src = next(p for p in policy.split("; ") if p.startswith("style-src"))
    assert "'unsafe-hashes'" in style_src
    assert "'sha256-" in style_src
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy
