"""How long a phone photo takes to post from the desk on a slow uplink (issue 19).

Run: `.venv/bin/python -m scripts.desk_upload_timing` (about two minutes).
Starts the demo like `make screenshots` (a free port, a throwaway SQLite
database and media folder, Django's runserver), signs in through the admin's
login form in Debian's Chromium, limits the tab's network with Chromium's
own emulation (DevTools Network.emulateNetworkConditions: 3 Mbit/s up,
10 Mbit/s down, 40 ms latency) and posts a 4,000 × 3,000 phone JPEG of about
5.5 MB (tests/images.py large_phone_jpeg; `--portrait`: EXIF turns it upright)
with its alt text, ROUNDS times each way:

- shrunk: as the desk does where the browser can (desk-store.js);
- original: createImageBitmap removed, so the desk sends the file as it is,
  as every browser did before issue 19.

For each it prints the bytes of the photo sent and two times: from choosing
the photo to the update shown in the desk's stream (shrinking included),
and from pressing Post to the same (what the author waits for when the
photo was chosen while typing its alt text). `--root PATH` runs the demo
from another checkout (e.g. main before issue 19), with this one's Python.
"""

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.screenshots import free_port, wait_until_serving
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.images import large_phone_jpeg

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3
UPLINK = {
    "offline": False,
    "latency": 40,
    "uploadThroughput": 3e6 / 8,
    "downloadThroughput": 10e6 / 8,
}
# The photos each post sends, as the page hands them to fetch, and in the
# page's own clock: when the photo was chosen, Post pressed, and the update
# shown (not counting Playwright's own handing over of the file).
RECORD_UPLOADS = """
(() => {
  window.__uploaded = [];
  window.__times = {};
  document.addEventListener("change", (event) => {
    if (event.target.matches(".desk-file")) window.__times.chosen = performance.now();
  }, true);
  document.addEventListener("click", (event) => {
    if (event.target.closest(".desk-post")) window.__times.pressed = performance.now();
  }, true);
  document.addEventListener("DOMContentLoaded", () => {
    new MutationObserver(() => {
      const awaited = window.__times.alt;
      if (awaited && !window.__times.shown
          && document.querySelector(`.desk-stream img[alt="${awaited}"]`)) {
        window.__times.shown = performance.now();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  const send = window.fetch;
  window.fetch = function (url, options) {
    const body = options && options.body;
    if (body instanceof FormData) {
      for (const [name, value] of body.entries()) {
        if (name.startsWith("photo-")) window.__uploaded.push(value.size);
      }
    }
    return send.apply(this, arguments);
  };
})();
"""
NO_SHRINKING = "delete window.createImageBitmap;"


def manage(root: Path, env: dict, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True
    )
    if run.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
    return run.stdout


def post_once(browser, base: str, password: str, photo: bytes, shrink: bool) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(120_000)
    context.add_init_script(RECORD_UPLOADS)
    if not shrink:
        context.add_init_script(NO_SHRINKING)
    page = context.new_page()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.goto(base + "/admin/entries/entry/")
    page.locator("tr", has_text="Keynote live").get_by_role("link", name="Post updates").click()
    page.wait_for_selector("#desk-content")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", UPLINK)
    alt = f"Timing run {secrets.token_hex(4)}"
    page.evaluate("alt => { window.__times.alt = alt; }", alt)

    page.set_input_files(
        ".desk-file", files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.fill(".desk-photo .desk-alt", alt)
    page.click(".desk-post")
    page.locator(f'.desk-stream img[alt="{alt}"]').wait_for()
    uploaded = page.evaluate("window.__uploaded")
    times = page.evaluate("window.__times")
    context.close()
    return {
        "bytes": uploaded[-1],
        "from_choice": (times["shown"] - times["chosen"]) / 1000,
        "from_post": (times["shown"] - times["pressed"]) / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--portrait", action="store_true", help="EXIF says turn it: 3,000 × 4,000 upright"
    )
    arguments = parser.parse_args()
    photo = large_phone_jpeg(orientation=6 if arguments.portrait else 1)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results = {}
    with tempfile.TemporaryDirectory(prefix="liveblog-upload-timing-") as folder:
        env = {
            **os.environ,
            "DEBUG": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
            "MEDIA_ROOT": f"{folder}/media",
        }
        manage(arguments.root, env, "migrate", "--verbosity", "0")
        printed = manage(arguments.root, env, "demo", "--port", str(port))
        password = re.search(r"password: (\S+)", printed).group(1)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=arguments.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_serving(base, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    for shrink in (True, False):
                        name = "shrunk" if shrink else "original"
                        results[name] = [
                            post_once(browser, base, password, photo, shrink)
                            for _ in range(arguments.rounds)
                        ]
                finally:
                    browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    shape = "portrait (EXIF orientation 6)" if arguments.portrait else "landscape"
    print(f"photo: 4000 x 3000 JPEG, {shape}, {len(photo):,} bytes; uplink 3 Mbit/s, 40 ms latency")
    for name, runs in results.items():
        sent = statistics.median(run["bytes"] for run in runs)
        choice = ", ".join(f"{run['from_choice']:.1f}" for run in runs)
        pressed = ", ".join(f"{run['from_post']:.1f}" for run in runs)
        print(
            f"{name:>8}: {sent:>11,.0f} bytes sent; "
            f"chosen to shown {choice} s; Post to shown {pressed} s"
        )


if __name__ == "__main__":
    main()
