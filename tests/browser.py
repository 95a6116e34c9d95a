"""Chromium for the browser tests, and a reader's tab in it (the `browser`
and `reader` fixtures are in conftest.py)."""

import os
import time
from datetime import UTC, datetime, timedelta

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


# The fake clock's start (Reader.pause_clock): any fixed time will do.
CLOCK_START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

# Each poll the page sends, in its own (fake) clock: when it was sent, when
# its answer (or failure) arrived, and what it was. An init script, so it
# sees the first poll too; it only watches, the poll itself is unchanged.
POLL_LOG = """
(() => {
  const log = (window.__polls = []);
  const send = window.fetch;
  window.fetch = function (input) {
    const answer = send.apply(this, arguments);
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes("updates.json?since=")) return answer;
    const poll = { since: Number(new URL(url, location.href).searchParams.get("since")),
                   sent: Date.now(), answered: null, settled: null, outcome: "pending" };
    log.push(poll);
    // When the status (or the failure) arrived: the moment a failed poll's
    // next one is scheduled from, in the same task.
    answer.then(() => { poll.answered = Date.now(); }, () => { poll.answered = Date.now(); });
    // The script has acted on an answer by the next task after its body.
    const settle = (outcome) => new Promise((done) => {
      const hop = new MessageChannel();
      hop.port1.onmessage = done;
      hop.port2.postMessage(null);
    }).then(() => { poll.settled = Date.now(); poll.outcome = outcome; });
    answer.then(
      (response) => response.clone().text().then(() => settle(String(response.status)),
                                                  () => settle("unreadable")),
      (error) => settle(error.name),
    );
    return answer;
  };
})();
"""

# What the page's announcer (the aria-live region) says, each change of its
# text in turn: screen readers speak each non-empty one.
ANNOUNCEMENTS = """
() => {
  const announcer = document.querySelector(".live-announcer");
  window.__announced = [];
  new MutationObserver(() => window.__announced.push(announcer.textContent))
    .observe(announcer, { childList: true, characterData: true, subtree: true });
}
"""


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
        self.page.add_init_script(POLL_LOG)
        self.holding_polls = False
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

    def pause_clock(self):
        """Before open(): time in the page stands still (Playwright's fake
        clock) and passes only through advance(); poll_log() tells when the
        page polled, in that clock."""
        self.page.clock.install(time=CLOCK_START)
        self.page.clock.pause_at(CLOCK_START + timedelta(seconds=1))

    def poll_log(self) -> list[dict]:
        """The page's polls (POLL_LOG), with times in the page's clock."""
        return self.page.evaluate("window.__polls")

    def now(self) -> int:
        """The page's clock, in milliseconds."""
        return self.page.evaluate("Date.now()")

    def advance(self, ms: int, step: int = 250):
        """Let `ms` of the page's time pass, `step` at a time, each step's
        poll answered before the next: the page's clock stands still while an
        answer travels for real, as it does on a fast network."""
        for _ in range(0, ms, step):
            self.page.clock.run_for(step)
            if not self.holding_polls:
                self.wait_for_answers()

    def advance_until(self, condition, limit_ms: int, step: int = 250):
        """advance() until condition(poll_log()) holds, at most `limit_ms`."""
        for _ in range(0, limit_ms, step):
            if condition(self.poll_log()):
                return
            self.advance(step, step)
        assert condition(self.poll_log()), self.poll_log()

    def wait_for_answers(self):
        """Until every poll sent has its answer (or failure) acted on."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while self.page.evaluate("window.__polls.some(p => p.settled === null)"):
            assert time.monotonic() < deadline, "a poll was never answered"
            time.sleep(0.01)

    def hold_polls(self):
        """Polls from now on get no answer at all, as from a server that hangs."""
        self.holding_polls = True
        self.page.route(lambda url: "updates.json?since=" in url, lambda route: None)

    def answer_polls_with(self, body: str):
        """Polls from now on get this answer, whatever they ask: a cache
        holding an older answer."""
        self.page.route(
            lambda url: "updates.json?since=" in url,
            lambda route: route.fulfill(status=200, content_type="application/json", body=body),
        )

    def answer_polls_from_the_server(self):
        self.page.unroute_all()

    def record_announcements(self):
        self.page.evaluate(ANNOUNCEMENTS)

    def announcements(self) -> list[str]:
        """What the announcer said since record_announcements(), spoken words only."""
        return [text for text in self.page.evaluate("window.__announced") if text]

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
