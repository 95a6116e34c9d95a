"""Photo files behind the CDN: gunicorn serves them from MEDIA_ROOT with a
year's Cache-Control, and Varnish with deploy/varnish.vcl keeps them."""

import io
import time

import pytest
from PIL import Image

from tests.checks import assert_shared
from tests.servers import (
    VARNISHD,
    Gunicorn,
    Varnish,
    get,
    production_environment,
    require,
    wait_until,
)

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
