"""Photos in S3-compatible object storage (django-storages), against a real
S3 API server on loopback: moto's standalone server, started here."""

import io
import subprocess
import sys
import urllib.request

import pytest
from PIL import Image

from tests.factories import make_entry
from tests.images import phone_jpeg
from tests.servers import answers, free_port, wait_until
from updates.changes import PhotoUpload, post_update

pytestmark = [pytest.mark.servers, pytest.mark.django_db]

BUCKET = "liveblog-media"
CREDENTIALS = {"access_key": "test-key", "secret_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_port():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: answers(port, "/moto-api/"), 30, "moto's S3 server")
        yield port
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def bucket(s3_port, settings):
    import boto3

    endpoint = f"http://127.0.0.1:{s3_port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    # As liveblog/settings.py configures it from MEDIA_S3_* variables.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **settings.MEDIA_STORAGE_S3_OPTIONS,
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                # MEDIA_S3_DEFAULT_ACL=public-read: readers fetch unsigned URLs.
                "default_acl": "public-read",
                **CREDENTIALS,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_photos_are_uploaded_served_and_deleted_through_the_s3_api(
    bucket, django_capture_on_commit_callbacks
):
    update = post_update(
        make_entry(), "", photos=[PhotoUpload(phone_jpeg(1200, 900), "The stage from the back")]
    )
    photo = update.photos.get()

    assert keys(bucket) == sorted(file["name"] for file in photo.files)
    for size in photo.sizes():
        assert size["url"].startswith(f"{bucket.meta.endpoint_url}/{BUCKET}/photos/")
        with urllib.request.urlopen(size["url"], timeout=10) as response:
            body = response.read()
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert response.headers["Content-Type"] == "image/webp"
        image = Image.open(io.BytesIO(body))
        assert image.width == size["width"]
        assert dict(image.getexif()) == {} and b"Exif" not in body
    assert size["url"] in update.fragment

    with django_capture_on_commit_callbacks(execute=True):
        update.delete()

    assert keys(bucket) == []
