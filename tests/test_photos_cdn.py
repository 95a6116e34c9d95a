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
    VARNISHD,
    Gunicorn,
    Varnish,
    get,
    production_environment,
    require,
    wait_until,
)
from updates.changes import PhotoUpload, post_update

pytestmark = pytest.mark.servers


def test_varnish_keeps_a_photo_file_and_the_origin_serves_it_once(tmp_path):
    require(VARNISHD, "apt-get install varnish")
    media = tmp_path / "media"
    name = "photos/" + "ab" * 32 + "-480.webp"
    (media / "photos").mkdir(parents=True)
    data = io.BytesIO()
    Image.new("RGB", (480, 360), "teal").save(data, "WEBP")
    (media / name).write_bytes(data.getvalue())
    # The health probe only needs a database that answers; no table is read.
    env = production_environment(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "static")
    env["MEDIA_ROOT"] = str(media)

    with Gunicorn(env, tmp_path, workers=1) as origin, Varnish(origin.port) as cdn:
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
    tmp_path, settings, django_capture_on_commit_callbacks
):
    require(VARNISHD, "apt-get install varnish")
    media = tmp_path / "media"
    # This process posts and deletes; gunicorn serves the same folder.
    settings.MEDIA_ROOT = media
    env = production_environment(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "static")
    env["MEDIA_ROOT"] = str(media)

    with Gunicorn(env, tmp_path, workers=1) as origin, Varnish(origin.port) as cdn:
        settings.VARNISH_URLS = [f"http://127.0.0.1:{cdn.port}"]
        settings.LIVEBLOG_PURGE_TOKEN = cdn.purge_token
        upload = phone_jpeg(1000, 800)
        with django_capture_on_commit_callbacks(execute=True):
            update = post_update(make_entry(), "", photos=[PhotoUpload(upload, "The stage")])
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
