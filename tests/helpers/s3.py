"""A real S3-compatible server on loopback (moto's), and the site's media put in a bucket on it.

The server speaks the S3 protocol over HTTP on a free port; the site reaches it through
django-storages and boto3 exactly as it would reach a provider, configured by the same
MEDIA_S3_* variables (`config.media_storage.s3_media`).
"""

import json
import logging
import urllib.request
from dataclasses import dataclass

import boto3
import pytest

from config.media_storage import s3_media

HOST = "127.0.0.1"
# moto accepts any credentials; these are what the site and the test both sign with.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret"}
REGION = "us-east-1"


@dataclass
class Bucket:
    endpoint: str
    name: str
    client: object  # a boto3 S3 client, for the test to look inside the bucket

    def names(self) -> set[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return {entry["Key"] for entry in listing.get("Contents", [])}

    def head(self, name: str) -> dict:
        return self.client.head_object(Bucket=self.name, Key=name)

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=name)


def public_read_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


def fetch(url: str) -> tuple[int, bytes]:
    """GET `url` with no credentials at all, as a reader's browser would."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free loopback port, for the whole session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, monkeypatch, request):
    """An empty bucket of the test's own."""
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    name = "media-" + request.node.name.lower().replace("_", "-")[:40].strip("-")
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=name)
    # What README asks of a deployment: anyone may read the objects (the site's pages
    # link straight to them), only the site's credentials may write.
    client.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    yield Bucket(endpoint=s3_server, name=name, client=client)
    for key in Bucket(s3_server, name, client).names():
        client.delete_object(Bucket=name, Key=key)
    client.delete_bucket(Bucket=name)


def use_bucket(settings, env: dict) -> None:
    """Point the site's default storage and MEDIA_URL at the bucket `env` describes."""
    media = s3_media(env)
    settings.STORAGES = {**settings.STORAGES, "default": media.storage}
    settings.MEDIA_URL = media.media_url
