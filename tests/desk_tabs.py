"""An author's desk in real Chromium: signed in without the login form, as
any number of users, in any context (tests/test_desk_drafts.py,
tests/test_desk_safety.py)."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser import WAIT_MS


def sign_in(context, live_server, user) -> None:
    """`user`'s session cookie in this browser context (replacing any other)."""
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def open_desk(page, live_server, entry):
    page.context.set_default_timeout(WAIT_MS)
    page.goto(live_server.url + reverse("admin:entries_entry_desk", args=[entry.pk]))
    page.locator("#desk-content").wait_for()
    return page


def attach(page, name: str, data: bytes, mime: str = "image/jpeg") -> None:
    page.set_input_files(".desk-file", files=[{"name": name, "mimeType": mime, "buffer": data}])


# How many photo files the desk holds in this browser's IndexedDB.
STORED_FILES = """() => new Promise((done) => {
  const open = indexedDB.open("liveblog-desk");
  open.onupgradeneeded = () => open.result.createObjectStore("files");
  open.onsuccess = () => {
    const db = open.result;
    const count = db.transaction("files").objectStore("files").count();
    count.onsuccess = () => { db.close(); done(count.result); };
  };
  open.onerror = () => done(-1);
})"""


def stored_files(page) -> int:
    return page.evaluate(STORED_FILES)


def wait_for_stored_files(page, count: int) -> None:
    for _ in range(WAIT_MS // 100):
        if stored_files(page) == count:
            return
        page.wait_for_timeout(100)
    assert stored_files(page) == count
