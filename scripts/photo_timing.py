"""How long posting a 4,000 × 3,000 phone photo takes, and what it stores.

Run: `.venv/bin/python scripts/photo_timing.py` (a throwaway SQLite database
and media folder; the photo is made here: noise over gradients, a JPEG at
quality 90 with GPS EXIF, about the size a phone writes).
"""

import io
import os
import sys
import tempfile
import time
from pathlib import Path

folder = Path(tempfile.mkdtemp(prefix="liveblog-photo-timing-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="liveblog.settings",
    SECRET_KEY="timing-only",
    DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
    MEDIA_ROOT=str(folder / "media"),
)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402

from tests.factories import make_entry  # noqa: E402
from tests.images import GPS_IFD  # noqa: E402
from updates.changes import PhotoUpload, post_update  # noqa: E402


def phone_photo() -> bytes:
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    noise = Image.effect_noise((4000, 3000), 60)
    image = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 12.5)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


call_command("migrate", verbosity=0)
data = phone_photo()
entry = make_entry()
timings = []
for attempt in range(3):
    # A different file each time (trailing bytes), so nothing is reused.
    upload = SimpleUploadedFile(f"IMG_{attempt}.jpg", data + bytes([attempt]))
    start = time.perf_counter()
    update = post_update(entry, "", photos=[PhotoUpload(upload, "A test photo")])
    timings.append(time.perf_counter() - start)
print(f"upload: 4000 x 3000 JPEG, {len(data) / 1e6:.1f} MB")
for file in update.photos.get().files:
    size = (folder / "media" / file["name"]).stat().st_size
    print(f"  {file['width']} x {file['height']} WebP: {size / 1000:.0f} kB")
print("time to post (3 runs): " + ", ".join(f"{t:.2f} s" for t in timings))

import shutil  # noqa: E402

shutil.rmtree(folder, ignore_errors=True)
