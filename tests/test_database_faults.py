"""A database outage, with the real servers: gunicorn keeps answering, with 503s
instead of tracebacks, and recovers by itself when PostgreSQL is back.

This test runs its own PostgreSQL cluster so that it can stop it.
"""

import re
import threading
import time

import pytest

from tests.servers import (
    get,
    start_stack,
    wait_until,
)

pytestmark = pytest.mark.servers

SEED = """
from entries.models import Entry
from updates.changes import post_update
for slug in ("outage", "stale-copy"):
    entry = Entry.objects.create(title=slug.title(), slug=slug, status="live")
    for n in range(5):
        post_update(entry, f"Saved before the outage {n}")
"""
# The VCL's: how long Varnish keeps a live answer, and serves it stale past
# that while a healthy origin refreshes it.
TTL, GRACE = 10, 5


class Hammer:
    """Polls one path as fast as it answers, keeping every status it saw."""

    def __init__(self, port: int, path: str):
        self.port, self.path = port, path
        self.statuses: list[int] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        while not self.stopping.is_set():
            try:
                self.statuses.append(get(self.port, self.path, timeout=10).status)
            except OSError:
                self.statuses.append(0)
            self.stopping.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with start_stack(tmp_path_factory.mktemp("outage"), seed=SEED) as stack:
        yield stack


def test_static_files_get_hashed_names_and_far_future_caching(stack):
    origin = stack.origin
    page = get(origin.port, "/entries/outage/").body.decode()
    script = re.search(r'<script src="(/static/liveblog/live\.[0-9a-f]{12}\.js)" defer>', page)

    response = get(origin.port, script.group(1), {"Accept-Encoding": "gzip"})

    assert response.status == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]
    assert "max-age=315360000" in response.headers["cache-control"]


def test_a_database_outage_gives_503s_and_recovery_needs_no_restart(stack):
    database, origin = stack.database, stack.origin
    poll = "/entries/outage/updates.json"
    before = get(origin.port, poll).json()
    workers = origin.worker_pids()
    assert len(workers) == 2

    with Hammer(origin.port, poll) as hammer:
        wait_until(lambda: len(hammer.statuses) > 5, 30, "polls before the outage")
        database.stop("immediate")
        wait_until(lambda: 503 in hammer.statuses[-3:], 30, "503 during the outage")
        outage_poll = get(origin.port, poll)
        # A worker that served the page within the last second still has
        # its entry and fragments (entries/remembered.py) and may answer
        # once more from memory; after that, the page needs the database.
        outage_page = wait_until(
            lambda: (page := get(origin.port, "/entries/outage/")).status == 503 and page,
            3,  # the memo lives 1 s (LIVEBLOG_POLL_MEMO_SECONDS)
            "the page's 503",
        )
        outage_health = get(origin.port, "/healthz")
        database.start()
        recovered = get(origin.port, poll)

    assert outage_poll.status == 503
    assert outage_poll.headers["content-type"] == "application/json"
    assert "error" in outage_poll.json()
    assert outage_poll.headers["retry-after"] == "10"
    assert "no-store" in outage_poll.headers["cache-control"]
    assert outage_page.status == 503
    assert b"Traceback" not in outage_page.body and b"Briefly unavailable" in outage_page.body
    assert outage_health.status == 503
    assert set(hammer.statuses) <= {200, 503}
    assert recovered.status == 200
    # Nothing saved before the outage was lost, and no worker died.
    assert recovered.json() == before
    assert origin.worker_pids() == workers
    assert "Traceback" not in origin.error_log.read_text()


def test_through_the_cdn_readers_keep_the_last_good_state_during_an_outage(stack):
    database, cdn = stack.database, stack.cdn
    poll = "/entries/outage/updates.json?since=0"
    # After the previous test's outage, Varnish's probe may still call the
    # origin sick (two good answers needed): Varnish then fetches nothing
    # from it, /healthz included.
    wait_until(lambda: get(cdn.port, "/healthz", cdn.token_header).status == 200, 30, "the probe")
    good = get(cdn.port, poll)
    assert good.status == 200

    database.stop("immediate")
    try:
        # Once Varnish's probe has seen /healthz fail, expired copies are
        # served for the whole grace instead of errors.
        wait_until(lambda: not cdn.probe_says_healthy(), 30, "the probe to notice")
        answers = []
        for _ in range(15):  # past the 10 s TTL
            answers.append(get(cdn.port, poll))
            time.sleep(1)
    finally:
        database.start()

    assert [answer.status for answer in answers] == [200] * 15
    assert all(answer.body == good.body for answer in answers)
    assert int(answers[-1].headers["age"]) > 10


def test_an_origin_failing_before_the_probe_notices_still_gets_readers_the_stale_copy(stack):
    database, origin, cdn = stack.database, stack.origin, stack.cdn
    # Its own entry and URL, whatever ran before: the database is up and
    # Varnish's probe calls the origin healthy (after an outage it needs two
    # good answers; waiting on /healthz, as polling the poll URL this fast
    # would be a flood of misses, which the CDN answers with 429).
    poll = "/entries/stale-copy/updates.json?since=1"
    source = "127.0.12.1"
    wait_until(lambda: get(cdn.port, "/healthz", cdn.token_header).status == 200, 30, "the probe")
    good = get(cdn.port, poll, source=source)
    assert good.status == 200 and good.headers["x-cache"] == "MISS"
    stored = time.monotonic()
    # Past the TTL and the grace a healthy origin allows, so that the next
    # request must ask the origin. No condition shows this but time: asking
    # Varnish for the copy would refresh it.
    time.sleep(stored + TTL + GRACE + 1 - time.monotonic())
    asked = len(origin.answered(re.escape(poll)))

    database.stop("immediate")
    try:
        # At once: the probe (every 2 s, two failures) still says healthy,
        # so Varnish asks the origin, gets a 503, and falls back.
        answer = get(cdn.port, poll, source=source)
        wait_until(lambda: len(origin.answered(re.escape(poll))) > asked, 10, "the log line")
        # The next readers, until the probe has noticed and after.
        later = [get(cdn.port, poll, source=source)]
        wait_until(lambda: not cdn.probe_says_healthy(), 30, "the probe to notice")
        later.append(get(cdn.port, poll, source=source))
    finally:
        database.start()

    for one in [answer, *later]:
        assert one.status == 200
        assert one.body == good.body
        assert one.headers["x-cache"] == "HIT"
        assert int(one.headers["age"]) > TTL + GRACE
    # Each reader's request asked the origin at most once: no background
    # refresh of what it has just failed to answer.
    at_origin = origin.answered(re.escape(poll))[asked:]
    assert at_origin[0] == (poll, 503)
    assert set(at_origin) == {(poll, 503)} and len(at_origin) <= 1 + len(later)
