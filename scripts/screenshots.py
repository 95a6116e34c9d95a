"""Screenshots of the demo for the README: `make screenshots`.

Starts the demo on a free port with its own throwaway SQLite database (the
developer's db.sqlite3 is left alone), drives Debian's Chromium through
Playwright, and writes PNGs to docs/screenshots/. Run it again whenever the
look changes, and commit the PNGs.
"""

import io
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from tests import pseudo_locale
from tests.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ENTRY = "/entries/keynote/"
# A phone's screen as its reader sees it; the whole page on a desktop.
SCREENS = {"phone": (375, 812, False), "desktop": (1280, 800, True)}
# What the author is about to post when the desk screenshots are taken.
DRAFT_UPDATE = "The speaker takes **one last question**: when is the next release?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if run.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
    return run.stdout


def wait_until_serving(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server did not answer at {url} within {seconds:.0f}s")


def reader_screenshots(browser, base: str) -> list[Path]:
    saved = []
    for device, (width, height, full_page) in SCREENS.items():
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport={"width": width, "height": height}, color_scheme=scheme
            )
            page = context.new_page()
            page.goto(base + ENTRY)
            # The reader script shows its controls once it has started.
            page.wait_for_selector(".order-toggle:not([hidden])")
            path = OUT / f"entry-{device}-{scheme}.png"
            page.screenshot(path=path, full_page=full_page)
            saved.append(path)
            context.close()
    return saved


# Issue 23: the keynote's first updates in German, and the same entry in the
# Hebrew test catalog's right-to-left layout (its texts are placeholders).
LANGUAGE_ENTRIES = """
from datetime import timedelta
from django.utils import timezone
from entries.models import Entry
from tests.factories import make_update
start = timezone.now().replace(microsecond=0) - timedelta(minutes=20)
for slug, language, zone, title, intro, texts in [
    ("keynote-de", "de", "Europe/Berlin", "Die Keynote im Liveblog",
     "Wir berichten live von der **Keynote**: neue Versionen, Zahlen und Fragen aus dem Saal.",
     ["Die Türen sind offen, der Saal füllt sich.",
      "Die Keynote beginnt: *drei* Versionen pro Jahr ab sofort.",
      "Frage aus dem Saal: Wann kommt die nächste Version?"]),
    ("keynote-rtl", "he", "Asia/Jerusalem", "כנס המפתחים בשידור חי",
     "סיקור חי של **הרצאת הפתיחה**.",
     ["הדלתות נפתחו והאולם מתמלא.", "ההרצאה מתחילה: *שלוש* גרסאות בשנה.",
      "שאלה מהקהל: מתי הגרסה הבאה?"]),
]:
    entry = Entry.objects.create(slug=slug, language=language, timezone=zone, title=title,
                                 intro=intro, status=Entry.Status.LIVE)
    for minutes, text in enumerate(texts):
        make_update(entry, text, published=start + timedelta(minutes=7 * minutes),
                    key_event=minutes == 1, pinned=minutes == 1)
"""


def language_screenshots(browser, base: str) -> list[Path]:
    saved = []
    for slug, name in (("keynote-de", "entry-de"), ("keynote-rtl", "entry-rtl")):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(f"{base}/entries/{slug}/")
        page.wait_for_selector(".order-toggle:not([hidden])")
        path = OUT / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        saved.append(path)
        context.close()
    return saved


def desk_screenshots(browser, base: str, password: str) -> list[Path]:
    """The live desk as an author uses it: text typed, a photo attached."""
    saved = []
    photo = io.BytesIO()
    slide = Image.new("RGB", (1600, 900), (24, 64, 140))
    slide.paste((250, 250, 250), (120, 300, 1480, 600))
    slide.save(photo, "JPEG", quality=85)
    desks = {"laptop": (1280, 900, "light"), "laptop-dark": (1280, 900, "dark"),
             "phone": (390, 844, "light")}  # fmt: skip
    for name, (width, height, scheme) in desks.items():
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=scheme
        )
        page = context.new_page()
        page.goto(base + "/admin/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.goto(base + "/admin/entries/entry/")
        # As an author gets there: the entry's "Post updates" button.
        page.locator("tr", has_text="Keynote live").get_by_role("link", name="Post updates").click()
        page.wait_for_selector("#desk-content")
        page.evaluate("localStorage.clear()")
        page.fill("#desk-content", DRAFT_UPDATE)
        page.set_input_files(
            ".desk-file",
            files=[{"name": "slide.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}],
        )
        page.fill(".desk-photo .desk-alt", "The roadmap slide: three releases a year")
        page.focus("#desk-content")
        path = OUT / f"desk-{name}.png"
        page.screenshot(path=path, full_page=name != "phone")
        saved.append(path)
        context.close()
    return saved


def main() -> None:
    if not Path(CHROMIUM).exists():
        sys.exit(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="liveblog-screenshots-") as folder:
        env = {
            **os.environ,
            "DEBUG": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
            "DJANGO_SETTINGS_MODULE": "scripts.screenshot_settings",
            "LIVEBLOG_PSEUDO_LOCALE": str(pseudo_locale.write_catalog(Path(folder) / "locale")),
        }
        manage(env, "migrate", "--verbosity", "0")
        printed = manage(env, "demo", "--port", str(port))
        manage(env, "shell", "--command", LANGUAGE_ENTRIES)
        password = re.search(r"password: (\S+)", printed).group(1)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_serving(base, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    saved = reader_screenshots(browser, base)
                    saved.extend(desk_screenshots(browser, base, password))
                    saved.extend(language_screenshots(browser, base))
                finally:
                    browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    for path in saved:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
