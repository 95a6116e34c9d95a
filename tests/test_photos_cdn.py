"""Photo files behind the CDN: gunicorn serves them from MEDIA_ROOT with a
year's Cache-Control, and Varnish with deploy/varnish.vcl keeps them until
their photo is deleted (issue 17, item 8)."""

import io
import time

import pytest
from PIL import Image

from liveblog import purge
from tests.checks import assert_shared
from tests.factories import make_entry
from tests.images import phone_jpeg
from tests.servers import (
    get,
    start_stack,
    wait_until,
)
from updates.changes import PhotoUpload, post_update

pytestmark = pytest.mark.servers


@pytest.fixture
def media(tmp_path, settings):
    """The photo folder: this process posts and deletes, gunicorn serves it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def stack(tmp_path, media):
    # The health probe only needs a database that answers; no table is read.
    with start_stack(
        tmp_path,
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        collectstatic=False,
        workers=1,
        env={"MEDIA_ROOT": str(media)},
    ) as stack:
        yield stack


def test_varnish_keeps_a_photo_file_and_the_origin_serves_it_once(stack, media):
    origin, cdn = stack.origin, stack.cdn
    name = "photos/" + "ab" * 32 + "-480.webp"
    (media / "photos").mkdir(parents=True)
    data = io.BytesIO()
    Image.new("RGB", (480, 360), "teal").save(data, "WEBP")
    (media / name).write_bytes(data.getvalue())

    first = get(cdn.port, f"/media/{name}")
    second = get(cdn.port, f"/media/{name}?utm_source=x", {"Cookie": "sessionid=abc"})
    # gunicorn writes its access log line just after the answer.
    at_origin = wait_until(lambda: origin.requests(r"^/media/"), 10, "the access log")
    time.sleep(0.5)
    at_origin = origin.requests(r"^/media/")

    assert first.status == second.status == 200
    assert second.body == data.getvalue()
    assert second.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert second.headers["content-type"] == "image/webp"
    assert second.headers["x-content-type-options"] == "nosniff"
    assert_shared(second)
    assert second.headers["x-cache"] == "HIT" and len(at_origin) == 1


@pytest.mark.django_db
def test_a_deleted_photo_is_404_at_the_cdn_once_purged_and_back_when_posted_again(
    stack, settings, django_capture_on_commit_callbacks
):
    origin, cdn = stack.origin, stack.cdn
    settings.VARNISH_URLS = [f"http://127.0.0.1:{cdn.port}"]
    settings.LIVEBLOG_PURGE_TOKEN = cdn.purge_token
    upload = phone_jpeg(1000, 800)
    with django_capture_on_commit_callbacks(execute=True):
        update = post_update(make_entry(), "", photos=[PhotoUpload(upload, "The stage")])
    # Posting purges the photo's tag too (a 404 kept for it goes): after
    # that purge, and its follow-up, the CDN keeps what it fetches.
    assert purge.wait_until_idle(10)
    url = update.photos.get().sizes()[0]["url"]
    assert get(cdn.port, url).status == 200
    assert get(cdn.port, url).status == 200  # from the CDN now
    assert len(origin.requests(r"^/media/")) <= 1

    with django_capture_on_commit_callbacks(execute=True):
        update.delete()
    assert purge.wait_until_idle(10)
    deleted = get(cdn.port, url)

    # The same file again, while the CDN may still keep the 404.
    upload.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        post_update(make_entry(), "", photos=[PhotoUpload(upload, "The stage again")])
    assert purge.wait_until_idle(10)
    again = get(cdn.port, url)

    assert deleted.status == 404
    assert again.status == 200 and again.body.startswith(b"RIFF")
    assert "xkey" not in again.headers and "surrogate-key" not in again.headers
