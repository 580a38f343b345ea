"""Where uploads live: the local disk (the default), or an S3-compatible bucket.

`MEDIA_S3_BUCKET` switches to django-storages' S3 backend. The bucket's objects are
served to readers straight from the bucket (or the CDN of `MEDIA_S3_CUSTOM_DOMAIN`), so
`MEDIA_URL` becomes that public address and every stored name is `MEDIA_URL + name`:
that is how pictures written in markdown are recognised as ours
(`newsletter.content.figures.media_name`), and how the published revision that shows a
picture protects it from deletion.

URLs are plain, unsigned and stable (published pages and their cached bytes keep them),
so the bucket, or the CDN in front of it, must let anyone read its objects. Names are
never reused (`file_overwrite` off), so objects are stored with a year-long immutable
Cache-Control. Credentials come the way boto3 finds them: `AWS_ACCESS_KEY_ID` and
`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), a profile, or the machine's role.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class S3Media:
    """The `default` storage entry for the bucket and the public URL its objects have."""

    storage: dict
    media_url: str


def _base_url(value: str, name: str) -> tuple[str, str]:
    """(`https:`, `media.example.com/path`) for a custom domain, with or without a scheme."""
    value = value.strip().rstrip("/")
    if "//" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ImproperlyConfigured(f"{name} must be a host name or an http(s) URL: {value!r}")
    return f"{parts.scheme}:", f"{parts.netloc}{parts.path.rstrip('/')}"


def s3_media(env: Mapping[str, str]) -> S3Media | None:
    """The S3 storage described by the MEDIA_S3_* variables of `env`, or None when unset."""
    bucket = env.get("MEDIA_S3_BUCKET", "").strip()
    if not bucket:
        return None
    endpoint = env.get("MEDIA_S3_ENDPOINT_URL", "").strip().rstrip("/")
    region = env.get("MEDIA_S3_REGION", "").strip()
    location = env.get("MEDIA_S3_LOCATION", "").strip().strip("/")
    custom_domain = env.get("MEDIA_S3_CUSTOM_DOMAIN", "").strip()
    if custom_domain:
        protocol, domain = _base_url(custom_domain, "MEDIA_S3_CUSTOM_DOMAIN")
    elif endpoint:
        # An S3-compatible service (MinIO, R2, Spaces…): objects at endpoint/bucket/name.
        protocol, domain = _base_url(endpoint, "MEDIA_S3_ENDPOINT_URL")
        domain = f"{domain}/{bucket}"
    else:
        domain = f"{bucket}.s3.{region}.amazonaws.com" if region else f"{bucket}.s3.amazonaws.com"
        protocol = "https:"
    options = {
        "bucket_name": bucket,
        "location": location,
        # The public address every name is written with: the same string build time and
        # the reference scan recognise, never a signed URL that expires.
        "custom_domain": domain,
        "url_protocol": protocol,
        "querystring_auth": False,
        # Two uploads both called photo.jpg are two objects, never one overwriting the other.
        "file_overwrite": False,
        "object_parameters": {"CacheControl": IMMUTABLE},
    }
    if endpoint:
        options["endpoint_url"] = endpoint
        options["addressing_style"] = "path"
    if region:
        options["region_name"] = region
    if env.get("MEDIA_S3_DEFAULT_ACL", "").strip():
        options["default_acl"] = env["MEDIA_S3_DEFAULT_ACL"].strip()
    media_url = f"{protocol}//{domain}/" + (f"{location}/" if location else "")
    return S3Media(storage={"BACKEND": S3_BACKEND, "OPTIONS": options}, media_url=media_url)
