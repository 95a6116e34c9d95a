"""What an embed costs a post: its latency and the process's peak memory.

Run: `.venv/bin/python scripts/embed_cost.py` (about half a minute; a
throwaway SQLite database and media folder, the providers played by
tests/oembed_stand_in.py on 127.0.0.1). Each case runs in a fresh Python
process that sets Django up, migrates, then posts one update holding a
YouTube link through updates.changes.post_update, as the desk does; it
reports how long the post took and the process's peak resident memory
(ru_maxrss) before and after: Python, Django and Pillow are the "before".
"""

import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = {
    "a YouTube video, 480 x 360 JPEG thumbnail": {},
    "a provider that never answers": {"failure": "never answers"},
    "an answer of 63 KB and a 1,920 x 1,080 RGBA PNG thumbnail": {"pad": 63_000, "thumb": "PNG"},
    "an answer of 63 KB and a 1,920 x 1,080 RGBA WebP thumbnail": {"pad": 63_000, "thumb": "WEBP"},
    "an answer of 63 KB and a 1,920 x 1,080 JPEG thumbnail of 1.7 MB": {
        "pad": 63_000,
        "thumb": "JPEG",
    },
    "an answer of 100 KB (refused)": {"failure": "too large"},
    "a decompression bomb thumbnail (refused)": {"failure": "thumbnail is a decompression bomb"},
}


def thumbnail(format_name: str) -> bytes:
    from PIL import Image

    size = (1920, 1080)
    if format_name == "JPEG":
        # Noise: about the largest JPEG of this size that stays under 2 MB.
        image = Image.merge("RGB", [Image.effect_noise(size, 40)] * 3)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=95)
        return out.getvalue()
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGBA", (gradient, gradient.rotate(90), gradient, gradient))
    out = io.BytesIO()
    image.save(out, format_name)
    return out.getvalue()


def run_case(options: dict) -> dict:
    import resource
    import time

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.conf import settings

    from entries.models import Entry
    from tests.oembed_stand_in import StandIn
    from updates.changes import post_update
    from updates.models import Embed

    with StandIn() as stand_in:
        settings.LIVEBLOG_EMBED_PROVIDERS = stand_in.providers()
        if options.get("failure"):
            stand_in.misbehave(options["failure"])
        if options.get("thumb"):
            stand_in.thumbnail_body = Path(options["thumb"]).read_bytes()
        if options.get("pad"):
            answer = stand_in.answer
            stand_in.answer = lambda path, link: {
                **answer(path, link),
                "html": "<p>" + "x" * options["pad"] + "</p>",
            }
        entry = Entry.objects.create(title="Timing", slug="timing", status="live")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        update = post_update(entry, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
        took = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": round(took, 3),
        "peak_mb_before": round(before / 1024),
        "peak_mb_after": round(after / 1024),
        "thumbnail_kb": round(len(stand_in.thumbnail_body or b"") / 1024),
        "preview": Embed.objects.exists(),
        "posted": update.pk is not None,
    }


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--make":
        Path(sys.argv[3]).write_bytes(thumbnail(sys.argv[2]))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(run_case(json.loads(sys.argv[2]))))
        return
    print(f"{'case':64} {'post s':>7} {'peak MB':>12} {'preview':>8}")
    for name, options in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            if "thumb" in options:
                # Made by a process of its own: a process's peak memory counts
                # its parent's from before the fork (Linux keeps ru_maxrss).
                made = Path(folder) / "thumbnail"
                subprocess.run(
                    [sys.executable, __file__, "--make", options["thumb"], str(made)], check=True
                )
                options = {**options, "thumb": str(made)}
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "liveblog.settings",
                "SECRET_KEY": "timing-only",
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'db.sqlite3'}",
                "MEDIA_ROOT": str(Path(folder) / "media"),
                "LOG_LEVEL": "ERROR",
            }
            out = subprocess.run(
                [sys.executable, __file__, "--case", json.dumps(options)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            ).stdout
        result = json.loads(out.splitlines()[-1])
        peak = f"{result['peak_mb_before']} -> {result['peak_mb_after']}"
        print(f"{name:64} {result['seconds']:>7} {peak:>12} {str(result['preview']):>8}")


if __name__ == "__main__":
    main()
