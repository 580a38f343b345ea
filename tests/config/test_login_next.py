"""After logging in, `next` may only lead to a page of this site; otherwise the admin home."""

from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return User.objects.create_user("sam", password="correct horse battery", is_staff=True)


def log_in(client, next_url):
    return client.post(
        "/admin/login/",
        {"username": "sam", "password": "correct horse battery", "next": next_url},
    )


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "http://evil.example/admin/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "\\/evil.example/",
        "https:evil.example",
        "https:%2F%2Fevil.example/",
        "http://testserver@evil.example/",
        "javascript:alert(1)",
        " //evil.example/",
        "\t//evil.example/",
        "/\t/evil.example/",
        "https:/\\evil.example/",
        "HTTPS://evil.example/",
        "//evil.example%2F@testserver/",
        "https://testserver.evil.example/",
    ],
)
def test_a_next_address_off_the_site_lands_on_the_admin_home(client, staff, next_url):
    response = log_in(client, next_url)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("next_url", ["%2F%2Fevil.example/", "/%5Cevil.example/", "/%2F%2Fevil/"])
def test_an_encoded_next_address_stays_a_path_on_the_site(client, staff, next_url):
    """Browsers do not decode %2F or %5C before finding the host: these are our paths."""
    location = log_in(client, next_url)["Location"]
    assert location in ("/admin/", next_url)
    assert not location.startswith(("//", "/\\", "\\"))
    assert urlsplit(urljoin("http://testserver/admin/login/", location)).netloc == "testserver"


def test_a_next_address_on_the_site_is_followed(client, staff):
    response = log_in(client, "/admin/newsletter/issue/?q=models")
    assert response.status_code == 302
    assert response["Location"] == "/admin/newsletter/issue/?q=models"


def test_a_login_without_next_lands_on_the_admin_home(client, staff):
    response = client.post(
        "/admin/login/", {"username": "sam", "password": "correct horse battery"}
    )
    assert response["Location"] == "/admin/"
