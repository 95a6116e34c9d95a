"""What processing a photo costs: time and peak memory, per file, hostile ones included.

Run: `.venv/bin/python scripts/photo_timing.py` (about a minute; a throwaway
SQLite database and media folder). It makes each file here, then, for each
one, starts a fresh Python process that sets Django up and runs
updates.photos.process on it, and reports that process's peak resident
memory (its ru_maxrss, from os.wait4: Python, Django and Pillow included,
about 60 MB before any photo) and the time process() took. Then it posts
ten of the worst files in one request to the live desk (Django's test
client, in a fresh process too), as an author would, and the usual
4,000 × 3,000 phone photo three times through post_update.

The files are those of issue 17 (item 4): a 2 kB WebP of 16,000 × 3,100
RGBA, a 97 kB PNG of 1 × 50,000,000, a PNG of 7,071² RGBA, plus a
screenshot of 1,000 × 20,000 and a 16-bit greyscale PNG (item 11).
"""

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def environment(folder: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liveblog.settings",
        "SECRET_KEY": "timing-only",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "ALLOWED_HOSTS": "testserver",
    }


def phone_photo() -> bytes:
    from PIL import Image

    from tests.images import GPS_IFD

    gradient = Image.linear_gradient("L").resize((4000, 3000))
    noise = Image.effect_noise((4000, 3000), 60)
    image = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 12.5)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def hostile_files() -> dict[str, bytes]:
    """Name → bytes; made with Pillow, each small on disk and huge decoded."""
    from PIL import Image

    def encoded(image, format_name, **params) -> bytes:
        out = io.BytesIO()
        image.save(out, format_name, **params)
        return out.getvalue()

    files = {"phone JPEG 4000 x 3000": phone_photo()}
    files["WebP 16000 x 3100 RGBA"] = encoded(
        Image.new("RGBA", (16000, 3100), (200, 30, 30, 255)), "WEBP", lossless=True
    )
    # The largest accepted (updates/photos.py MAX_DECODED_PIXELS), noisy so
    # that encoding them costs what a real picture does.
    noise = Image.merge(
        "RGBA",
        [Image.effect_noise((1500, 1000), 60).convert("L").resize((6000, 4000)) for _ in range(4)],
    )
    files["WebP 6000 x 4000 RGBA"] = encoded(noise, "WEBP", quality=80)
    files["WebP 4032 x 3024 RGBA"] = encoded(noise.resize((4032, 3024)), "WEBP", quality=80)
    del noise
    gradient = Image.linear_gradient("L").resize((6000, 4000))
    files["PNG 6000 x 4000 RGBA"] = encoded(
        Image.merge("RGBA", [gradient, gradient.rotate(180), gradient, gradient]), "PNG"
    )
    del gradient
    files["PNG 1 x 50000000"] = encoded(Image.new("L", (1, 50_000_000)), "PNG", optimize=True)
    files["PNG 7071 x 7071 RGBA"] = encoded(
        Image.new("RGBA", (7071, 7071), (30, 200, 30, 128)), "PNG", optimize=True
    )
    files["PNG 1000 x 20000 screenshot"] = encoded(
        Image.linear_gradient("L").resize((1000, 20000)).convert("RGB"), "PNG"
    )
    files["PNG 16-bit grey 3000 x 2000"] = encoded(
        Image.linear_gradient("L")
        .resize((3000, 2000))
        .convert("I")
        .point(lambda v: v * 257)
        .convert("I;16"),
        "PNG",
    )
    return files


def run_child(arguments: list[str], folder: Path) -> tuple[dict, float]:
    """A fresh process; its JSON answer and its own peak RSS in MB."""
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen(
            [sys.executable, __file__, *arguments],
            env=environment(folder),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        output = child.stdout.read()
        # Not child.wait(): os.wait4 reaps it and gives its own resource usage.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            errors.seek(0)
            raise SystemExit(f"{arguments} failed:\n{errors.read()}")
    # ru_maxrss is in kilobytes on Linux.
    return json.loads(output), usage.ru_maxrss / 1024


def child_process(path: str) -> None:
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from updates import photos

    upload = SimpleUploadedFile(Path(path).name, Path(path).read_bytes())
    start = time.perf_counter()
    try:
        sizes = photos.process(upload).sizes
        outcome = " ".join(f"{size.width}x{size.height}" for size in sizes)
    except ValidationError as error:
        outcome = "refused: " + " ".join(error.messages)
    print(json.dumps({"seconds": time.perf_counter() - start, "outcome": outcome}))


def child_desk_post(path: str, count: str) -> None:
    import django

    django.setup()
    from django.conf import settings

    # No collectstatic here: the desk's page is not what is measured.
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from tests.factories import make_entry

    call_command("migrate", verbosity=0)
    entry = make_entry()
    client = Client()
    staff = get_user_model().objects.create_user("timing", is_staff=True, is_superuser=True)
    client.force_login(staff)
    data = Path(path).read_bytes()
    form = {"key": "timing-post-1", "content": "Ten photos"}
    for index in range(int(count)):
        # A different file each time (a trailing byte), so nothing is reused.
        form[f"photo-{index}"] = io.BytesIO(data + bytes([index]))
        form[f"photo-{index}"].name = f"photo-{index}"
        form[f"alt-{index}"] = "A test photo"
    start = time.perf_counter()
    url = reverse("admin:entries_entry_desk_post", args=[entry.pk])
    # Production settings redirect plain HTTP.
    response = client.post(url, form, secure=True)
    body = response.json()
    outcome = body.get("error") or "posted"
    if "errors" in body:
        outcome += " " + "; ".join(sorted({m for ms in body["errors"].values() for m in ms}))
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "outcome": f"{response.status_code} {outcome}",
            }
        )
    )


def child_phone_posts(path: str) -> None:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from tests.factories import make_entry
    from updates.changes import PhotoUpload, post_update

    call_command("migrate", verbosity=0)
    data = Path(path).read_bytes()
    entry = make_entry()
    timings = []
    for attempt in range(3):
        upload = SimpleUploadedFile(f"IMG_{attempt}.jpg", data + bytes([attempt]))
        start = time.perf_counter()
        update = post_update(entry, "", photos=[PhotoUpload(upload, "A test photo")])
        timings.append(time.perf_counter() - start)
    media = Path(os.environ["MEDIA_ROOT"])
    stored = [
        f"{file['width']}x{file['height']} {(media / file['name']).stat().st_size / 1000:.0f} kB"
        for file in update.photos.get().files
    ]
    print(json.dumps({"timings": timings, "stored": stored}))


def child_make_files(folder: str) -> None:
    names = {}
    for index, (name, data) in enumerate(hostile_files().items()):
        (Path(folder) / f"file-{index}").write_bytes(data)
        names[name] = f"file-{index}"
    print(json.dumps(names))


def main() -> None:
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="liveblog-photo-timing-"))
    try:
        # Made in a child: a process's peak RSS counts its parent's at the
        # fork, so this one stays small.
        names, _ = run_child(["--make-files", str(folder)], folder)
        # Paths only: the files are never read in this process.
        files = {name: folder / file for name, file in names.items()}
        print(f"{'file':<30} {'bytes':>10} {'peak RSS':>9} {'time':>7}  outcome")
        for name, path in files.items():
            answer, peak = run_child(["--process", str(path)], folder)
            print(
                f"{name:<30} {path.stat().st_size:>10,} {peak:>6.0f} MB "
                f"{answer['seconds']:>5.2f} s  {answer['outcome']}"
            )
        print()
        print("One desk post of ten files (each a byte different), in a fresh process:")
        for name in (
            "WebP 16000 x 3100 RGBA",
            "PNG 7071 x 7071 RGBA",
            "WebP 4032 x 3024 RGBA",
            "PNG 6000 x 4000 RGBA",
            "phone JPEG 4000 x 3000",
        ):
            (folder / "db.sqlite3").unlink(missing_ok=True)
            answer, peak = run_child(["--desk-post", str(files[name]), "10"], folder)
            print(
                f"  10 x {name:<25} {peak:>6.0f} MB {answer['seconds']:>6.2f} s  "
                f"{answer['outcome'][:100]}"
            )
        print()
        phone = files["phone JPEG 4000 x 3000"]
        (folder / "db.sqlite3").unlink(missing_ok=True)
        answer, peak = run_child(["--phone-posts", str(phone)], folder)
        print(f"post_update of a 4000 x 3000 JPEG, {phone.stat().st_size:,} bytes")
        print("  stored: " + ", ".join(answer["stored"]))
        print("  time to post (3 runs): " + ", ".join(f"{t:.2f} s" for t in answer["timings"]))
        print(f"  peak RSS {peak:.0f} MB")
        print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--make-files":
        child_make_files(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "--process":
        child_process(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "--desk-post":
        child_desk_post(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "--phone-posts":
        child_phone_posts(sys.argv[2])
    else:
        main()
