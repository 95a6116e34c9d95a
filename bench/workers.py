"""`python -m bench.workers`: sync against gthread workers, measured (issue 25).

Two gunicorns with production settings and 2 workers each, one per worker
class (GUNICORN_WORKER_CLASS), on one throwaway PostgreSQL, each with its
own Varnish (deploy/varnish.vcl) in front; then, in interleaved rounds, wrk
on each origin's up-to-date poll and entry page, and on its poll while two
authors post a photo from the desk at a phone's 3 Mbit/s uplink: through
Varnish (which reads a body in full before the origin sees any of it) and
straight to gunicorn (no buffering proxy). Prints a Markdown table of
medians; docs/deploy.md quotes it. Not a test: nothing here asserts a time.
"""

import io
import os
import secrets
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from bench.run import PROJECT, install_missing_tools, median, wrk

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
SLOW_AUTHORS = 2
# A phone's uplink at a conference: 3 Mbit/s (scripts/desk_upload_timing.py).
UPLINK_BYTES_PER_SECOND = 3_000_000 // 8
PASSWORD = secrets.token_urlsafe(16)
SEED = f"""
from django.contrib.auth import get_user_model
from entries.models import Entry
from updates.changes import post_update
get_user_model().objects.create_superuser("author", password={PASSWORD!r})
entry = Entry.objects.create(title="Keynote", slug="keynote", status="live")
for n in range(200):
    post_update(entry, f"Update {{n}}: the keynote goes on. **Applause.**")
"""


def photo_body(seconds: float) -> tuple[bytes, str]:
    """A desk post with one JPEG photo, as large as the uplink sends in `seconds`."""
    side = 400
    while True:
        photo = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
            photo, "JPEG", quality=85
        )
        if photo.tell() >= UPLINK_BYTES_PER_SECOND * seconds:
            break
        side += 100
    boundary = secrets.token_hex(16)
    fields = {
        "content": "The stage.",
        "key": "KEY-PLACEHOLDER",
        "alt-0": "The stage from the back",
        "caption-0": "",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo-0"; '
        'filename="stage.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + photo.getvalue()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class SlowAuthor(threading.Thread):
    """Posts a photo from the desk, sending its body at the uplink's pace."""

    def __init__(self, port: int, path: str, cookies: str, token: str, body: tuple, source: str):
        super().__init__(daemon=True)
        self.port, self.path, self.cookies, self.token = port, path, cookies, token
        self.body, self.content_type = body
        self.source = source
        self.seconds = None
        self.status = None

    def run(self):
        from tests.servers import SITE

        # Each post its own composition: the key names it.
        key = secrets.token_hex(8)
        body = self.body.replace(b"KEY-PLACEHOLDER", key.encode(), 1)
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {SITE}\r\nCookie: {self.cookies}\r\n"
            f"X-CSRFToken: {self.token}\r\nAccept: application/json\r\n"
            f"Content-Type: {self.content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n"
        )
        start = time.perf_counter()
        with socket.create_connection(
            ("127.0.0.1", self.port), timeout=120, source_address=(self.source, 0)
        ) as sock:
            sock.sendall(head.encode())
            chunk = UPLINK_BYTES_PER_SECOND // 20
            for offset in range(0, len(body), chunk):
                sock.sendall(body[offset : offset + chunk])
                time.sleep(0.05)
            answer = b""
            while data := sock.recv(65536):
                answer += data
        self.seconds = time.perf_counter() - start
        self.status = int(answer.split(b" ", 2)[1]) if answer else 0


def main() -> None:
    install_missing_tools()
    sys.path.insert(0, str(PROJECT))
    from tests.servers import Gunicorn, Varnish, start_stack

    folder = Path(tempfile.mkdtemp(prefix="liveblog-bench-workers-"))
    try:
        env = {"GUNICORN_MAX_REQUESTS": "0", "LOG_LEVEL": "WARNING"}
        with start_stack(
            folder, seed=SEED, env={**env, "GUNICORN_WORKER_CLASS": "gthread"}
        ) as stack:
            os.environ.update(stack.env)
            os.environ["DJANGO_SETTINGS_MODULE"] = "liveblog.settings"
            import django

            django.setup()
            from django.urls import reverse

            from entries.models import Entry
            from tests.readers import AdminAuthor

            entry = Entry.objects.get(slug="keynote")
            (folder / "sync").mkdir()
            sync_env = {**stack.env, "GUNICORN_WORKER_CLASS": "sync"}
            with (
                Gunicorn(sync_env, folder / "sync") as sync,
                Varnish(sync.port) as sync_cdn,
            ):
                servers = {
                    "gthread": (stack.origin.port, stack.cdn.port),
                    "sync": (sync.port, sync_cdn.port),
                }
                measure_all(servers, entry, reverse, AdminAuthor)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure_all(servers, entry, reverse, AdminAuthor) -> None:
    poll = f"{entry.poll_url()}?since={entry.revision}"
    page = entry.get_absolute_url()
    post = reverse("admin:entries_entry_desk_post", args=[entry.pk])
    body = photo_body(SECONDS * 0.9)
    print(f"Photo post body: {len(body[0]):,} bytes", flush=True)
    authors = {}
    for number, (name, (origin, cdn)) in enumerate(servers.items()):
        for via, port in (("cdn", cdn), ("origin", origin)):
            source = f"127.0.10.{number * 10 + (1 if via == 'cdn' else 2)}"
            author = AdminAuthor.sign_in(port, "author", PASSWORD, source=source)
            cookies = "; ".join(f"{k}={v}" for k, v in author.cookies.items())
            authors[name, via] = (port, cookies, author.token, source)
    scenarios = ["poll", "page", "poll, slow posts via Varnish", "poll, slow posts to gunicorn"]
    results = {(name, scenario): [] for name in servers for scenario in scenarios}
    post_times = {(name, via): [] for name in servers for via in ("cdn", "origin")}
    for origin, _ in servers.values():
        wrk(origin, poll, seconds=1)
        wrk(origin, page, seconds=1)
    for round_number in range(ROUNDS):
        for name, (origin, _) in servers.items():
            for scenario in scenarios:
                slow = []
                if "slow posts" in scenario:
                    via = "cdn" if "Varnish" in scenario else "origin"
                    port, cookies, token, source = authors[name, via]
                    slow = [
                        SlowAuthor(port, post, cookies, token, body, source)
                        for _ in range(SLOW_AUTHORS)
                    ]
                    for author in slow:
                        author.start()
                    time.sleep(0.2)
                results[name, scenario].append(
                    wrk(origin, page if scenario == "page" else poll, seconds=SECONDS)
                )
                for author in slow:
                    author.join(120)
                    post_times[name, via].append((author.seconds, author.status))
                time.sleep(0.5)
        print(f"round {round_number + 1}/{ROUNDS} done", flush=True)
    lines = [
        f"sync against gthread (4 threads), 2 workers each, {ROUNDS} interleaved rounds of "
        f"{SECONDS} s, medians; {SLOW_AUTHORS} authors posting a {len(body[0]):,}-byte photo "
        "at 3 Mbit/s during the slow-post rows.",
        "",
        "| worker class | request | req/s | p50 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for (name, scenario), rounds in results.items():
        lines.append(
            f"| {name} | {scenario} | {median(rounds, 'rps'):,.0f} | "
            f"{median(rounds, 'p50'):.2f} | {median(rounds, 'p99'):.2f} |"
        )
    lines += [
        "",
        "| worker class | photo post sent | median s | statuses |",
        "| --- | --- | ---: | --- |",
    ]
    for (name, via), times in post_times.items():
        seconds = statistics.median(t for t, _ in times if t is not None)
        statuses = ", ".join(sorted({str(s) for _, s in times}))
        lines.append(
            f"| {name} | {'via Varnish' if via == 'cdn' else 'to gunicorn'} | {seconds:.2f} | {statuses} |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
