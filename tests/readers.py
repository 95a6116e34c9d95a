"""Simulated readers for the CDN tests: each loads an entry's page and then
polls as the reader script does, while a writer posts updates."""

import math
import random
import re
import threading
import time
from collections import Counter, defaultdict

from tests.factories import make_entry, make_update
from tests.servers import get

TTL = 10
POLL_INTERVAL = 5
WRITE_SECONDS = 30
POST_EVERY = 3
LATENESS_ALLOWED = TTL + POLL_INTERVAL + 2


class SimulatedReader(threading.Thread):
    """A reader's browser: loads the page, then polls as the reader script does."""

    def __init__(
        self,
        port: int,
        slug: str,
        stop: threading.Event,
        with_cookie: bool,
        source: str | None = None,
    ):
        super().__init__(daemon=True)
        self.port, self.slug, self.stop, self.source = port, slug, stop, source
        # Half the readers carry cookies (analytics, an old CSRF token): the
        # CDN must serve them the same cached objects.
        cookie = f"_ga={random.getrandbits(64):x}; csrftoken={random.getrandbits(64):x}"
        self.headers = {"Cookie": cookie} if with_cookie else {}
        self.first_seen: dict[int, float] = {}
        self.received: list[tuple[int, int]] = []
        self.requests: list[tuple[str, float]] = []
        self.problems: list[str] = []
        self.statuses: Counter = Counter()

    def fetch(self, path: str):
        self.requests.append((path, time.monotonic()))
        response = get(self.port, path, self.headers, source=self.source)
        self.statuses[response.status] += 1
        if response.status != 200 or "set-cookie" in response.headers:
            self.problems.append(f"{path}: {response.status} {response.headers}")
        return response

    def run(self):
        self.stop.wait(random.uniform(0, POLL_INTERVAL))
        page = self.fetch(f"/entries/{self.slug}/").body.decode()
        loaded = time.monotonic()
        for update_id in re.findall(r'<article class="update" id="update-(\d+)"', page):
            self.first_seen.setdefault(int(update_id), loaded)
        since = int(re.search(r'data-revision="(\d+)"', page).group(1))
        poll_url = re.search(r'data-poll-url="([^"]+)"', page).group(1)
        while not self.stop.is_set():
            body = self.fetch(f"{poll_url}?since={since}").json()
            now = time.monotonic()
            for update in body["updates"]:
                self.received.append((update["id"], update["revision"]))
                self.first_seen.setdefault(update["id"], now)
            since = max(since, body["revision"])
            if not body["more"]:
                self.stop.wait(body["poll_interval"])


def run_readers(cdn, origin, readers: int, source: str | None = None) -> dict:
    """`readers` readers of a new entry while a writer posts every 3 s for 30 s."""
    entry = make_entry(title=f"{readers} readers")
    make_update(entry, "Before the readers came")
    origin_before = Counter(origin.requests(rf"^/entries/{entry.slug}/"))
    stop = threading.Event()
    crowd = [
        SimulatedReader(cdn.port, entry.slug, stop, n % 2 == 0, source) for n in range(readers)
    ]
    for reader in crowd:
        reader.start()

    posted: dict[int, float] = {}
    started = time.monotonic()
    while time.monotonic() - started < WRITE_SECONDS:
        time.sleep(POST_EVERY)
        update = make_update(entry, f"Posted at {time.monotonic() - started:.0f}s")
        posted[update.pk] = time.monotonic()
    # Let the last update reach everyone, or fail to, within the allowance.
    time.sleep(LATENESS_ALLOWED + 1)
    stop.set()
    for reader in crowd:
        reader.join(timeout=30)

    origin_after = Counter(origin.requests(rf"^/entries/{entry.slug}/"))
    at_origin = origin_after - origin_before
    asked = defaultdict(list)
    for reader in crowd:
        for path, moment in reader.requests:
            asked[path].append(moment)
    return {
        "entry": entry,
        "crowd": crowd,
        "posted": posted,
        "at_origin": at_origin,
        "asked": asked,
        "cdn_requests": sum(len(moments) for moments in asked.values()),
    }


def check_phase(result: dict) -> float:
    """Every reader got every update once, in time; the origin saw about one
    request per URL per TTL. Returns the latest an update arrived."""
    crowd, posted = result["crowd"], result["posted"]
    all_updates = set(result["entry"].updates.values_list("pk", flat=True))
    for reader in crowd:
        assert not reader.problems, reader.problems[:3]
        assert set(reader.first_seen) == all_updates
        assert len(reader.received) == len(set(reader.received)), "an update arrived twice"
    lateness = [reader.first_seen[pk] - moment for reader in crowd for pk, moment in posted.items()]
    assert max(lateness) <= LATENESS_ALLOWED, sorted(lateness)[-5:]

    # At most one origin request per URL per TTL while readers asked for it,
    # plus the first miss and one background refresh of slack.
    for path, count in result["at_origin"].items():
        moments = result["asked"][path]
        allowed = math.floor((max(moments) - min(moments)) / TTL) + 2
        assert count <= allowed, f"{path}: {count} origin requests, {allowed} allowed"
    return max(lateness)
