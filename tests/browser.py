"""A reader's browser tab for the Chromium tests (the `browser` fixture is in conftest.py)."""

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
