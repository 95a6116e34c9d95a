"""Chromium for the browser tests, and a reader's tab in it (the `browser`
and `reader` fixtures are in conftest.py)."""

import os
import time

WAIT_MS = 15_000
# Debian's Chromium, as the tests and `make screenshots` start it: headless
# with nothing that would call out of this machine's closed network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class Chromium:
    """Playwright and Debian's Chromium, kept running across consecutive browser tests.

    Playwright's sync API marks its event loop as running in this thread
    for as long as it runs, so Django refuses ORM calls there unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. Both last only while browser tests
    run: conftest.py stops Chromium before any other test, which then runs
    as it would without it.
    """

    def __init__(self):
        self._playwright = None
        self._browser = None
        self._unsafe_before = None

    def browser(self):
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._unsafe_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            # The tests' ORM calls are ordinary blocking calls all the same.
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
            except BaseException:
                self.stop()
                raise
        return self._browser

    def stop(self):
        if self._playwright is None:
            return
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._playwright.stop()
            self._playwright = self._browser = None
            if self._unsafe_before is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._unsafe_before


class Reader:
    """A browser tab on the live server, with what it asked and what went wrong."""

    def __init__(self, browser, live_server, **context_options):
        self.live_server = live_server
        self.context = browser.new_context(**context_options)
        self.context.set_default_timeout(WAIT_MS)
        self.page = self.context.new_page()
        self.polls: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", self._record_request)
        self.page.on("dialog", self._record_dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))

    def _record_request(self, request):
        if "updates.json" in request.url:
            self.polls.append(request.url)

    def _record_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, entry):
        self.page.goto(self.live_server.url + entry.get_absolute_url())
        return self.page

    def update_ids(self) -> list[int]:
        return self.page.eval_on_selector_all(
            "#updates > article.update", "nodes => nodes.map(n => Number(n.id.slice(7)))"
        )

    def wait_for_polls(self, count: int):
        deadline = time.monotonic() + WAIT_MS / 1000
        while len(self.polls) < count and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
        assert len(self.polls) >= count, f"only {len(self.polls)} polls"

    def set_hidden(self, hidden: bool):
        # Headless Chromium has no window to minimise: report the state a
        # background tab reports, and fire the event the browser would.
        self.page.evaluate(
            """hidden => {
                Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
                Object.defineProperty(document, 'visibilityState',
                    {value: hidden ? 'hidden' : 'visible', configurable: true});
                document.dispatchEvent(new Event('visibilitychange'));
            }""",
            hidden,
        )
