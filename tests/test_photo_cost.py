"""What a photo may cost a worker (issue 17, item 4): files small on disk and
huge decoded are refused from their header or processed in bounded memory,
a few at a time per process, and no admin save takes more photos than the
desk does. Memory is measured in a fresh process (its peak resident size,
VmHWM); nothing here is timed (scripts/photo_timing.py measures both)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import make_entry
from tests.images import phone_jpeg
from updates import photos
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parent.parent
# A fresh Python with Django and Pillow is about 60 MB; before issue 17 the
# files below took 0.7 to 1.5 GB.
PEAK_BOUND_MB = 330

MEASURE = """
import json, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from updates import photos

outcomes = {}
for path in sys.argv[1:]:
    with open(path, "rb") as file:
        upload = SimpleUploadedFile(path, file.read())
    try:
        outcomes[path] = [[size.width, size.height] for size in photos.process(upload).sizes]
    except ValidationError as error:
        outcomes[path] = error.messages
    del upload
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcomes": outcomes, "peak_kb": int(peak.split()[1])}))
"""


def encoded(image: Image.Image, format_name: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format_name, **params)
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    """The files of issue 17 and the largest ones still accepted."""
    folder = tmp_path_factory.mktemp("hostile")
    gradient = Image.linear_gradient("L")
    made = {
        # 1,956 bytes, 200 MB decoded.
        "webp-16000x3100": encoded(
            Image.new("RGBA", (16000, 3100), (200, 30, 30, 255)), "WEBP", lossless=True
        ),
        "png-1x50000000": encoded(Image.new("L", (1, 50_000_000)), "PNG", optimize=True),
        "png-7071x7071": encoded(Image.new("RGBA", (7071, 7071), (30, 200, 30, 128)), "PNG"),
        # The largest accepted: 24 and 12 megapixels of RGBA, and a tall screenshot.
        "png-6000x4000": encoded(
            Image.merge("RGBA", [gradient.resize((6000, 4000))] * 4), "PNG", compress_level=1
        ),
        "webp-4032x3024": encoded(
            Image.merge("RGBA", [gradient.resize((4032, 3024))] * 4), "WEBP", quality=80
        ),
        "png-1000x20000": encoded(gradient.resize((1000, 20000)), "PNG", compress_level=1),
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_the_worst_files_are_refused_or_processed_within_a_bounded_peak_memory(hostile_files):
    environment = {**os.environ, "PYTHONPATH": str(PROJECT)}
    environment.setdefault("DJANGO_SETTINGS_MODULE", "liveblog.settings")
    answer = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, hostile_files.values())],
        env=environment,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(answer.stdout)
    outcomes = {Path(path).name: outcome for path, outcome in result["outcomes"].items()}

    assert result["peak_kb"] / 1024 < PEAK_BOUND_MB

    assert outcomes["webp-16000x3100"] == [
        "This image is too large (16000 × 3100): at most 12 megapixels for a WEBP: "
        "save it as JPEG, or make it smaller."
    ]
    assert outcomes["png-1x50000000"] == [
        "This image is 1 × 50000000: too long and thin to show "
        "(at most 40 times longer than wide); crop it."
    ]
    assert "at most 24 megapixels for a PNG" in outcomes["png-7071x7071"][0]
    assert outcomes["png-6000x4000"] == [[480, 320], [960, 640], [1600, 1067]]
    assert outcomes["webp-4032x3024"] == [[480, 360], [960, 720], [1600, 1200]]
    assert outcomes["png-1000x20000"] == [[480, 9600], [819, 16380]]


@pytest.fixture
def every_slot_taken(monkeypatch):
    """This process decoding as many photos as it may, for 0.1 s more."""
    monkeypatch.setattr(photos, "WAIT_SECONDS", 0.1)
    for _ in range(photos.SLOTS):
        photos._slots.acquire()
    yield
    for _ in range(photos.SLOTS):
        photos._slots.release()


def test_a_desk_post_that_finds_every_photo_slot_taken_is_a_503_to_send_again(
    staff_client, every_slot_taken
):
    entry = make_entry()
    url = reverse("admin:entries_entry_desk_post", args=[entry.pk])
    form = {"key": "busy-post-1", "content": "", "photo-0": phone_jpeg(), "alt-0": "The stage"}

    response = staff_client.post(url, form)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "error": "The server is busy with other photos; try again in a few seconds."
    }
    assert "no-store" in response["Cache-Control"]
    assert not LiveUpdate.objects.exists()


def test_a_stock_admin_save_that_finds_every_photo_slot_taken_is_a_503_with_a_message(
    staff_client, every_slot_taken
):
    entry = make_entry()
    form = {
        "entry": entry.pk,
        "content": "From the stock form",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-0-image": phone_jpeg(),
        "photos-0-alt": "The stage",
        "photos-0-position": "0",
    }

    response = staff_client.post(reverse("admin:updates_liveupdate_add"), form)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "busy with other photos; try again in a few seconds" in response.content.decode()
    assert not LiveUpdate.objects.exists()


def photo_forms(count: int, total: int | None = None) -> dict:
    form = {
        "photos-TOTAL_FORMS": str(count if total is None else total),
        "photos-INITIAL_FORMS": "0",
    }
    for index in range(count):
        form[f"photos-{index}-image"] = SimpleUploadedFile(
            f"{index}.png", encoded(Image.new("RGB", (40, 30), (index, 0, 0)), "PNG")
        )
        form[f"photos-{index}-alt"] = f"Photo {index}"
        form[f"photos-{index}-position"] = str(index)
    return form


@pytest.mark.parametrize(("count", "total"), [(11, None), (10, 1000)], ids=["11", "forged-1000"])
def test_the_stock_admin_takes_at_most_ten_photos_per_update(staff_client, count, total):
    entry = make_entry()
    form = {"entry": entry.pk, "content": "Many photos", **photo_forms(count, total)}

    response = staff_client.post(reverse("admin:updates_liveupdate_add"), form)

    assert response.status_code == 200
    assert "Please submit at most 10 forms." in response.content.decode()
    assert not LiveUpdate.objects.exists()
