"""Simulated readers for the CDN tests: each loads an entry's page and then
polls as the reader script does, while a writer posts updates (through the
ORM, or as an author in the admin over real HTTP)."""

import http.client
import math
import random
import re
import secrets
import statistics
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode

from django.urls import reverse

from tests.factories import NO_PHOTOS, make_entry, make_update
from tests.servers import SITE, Response, get
from updates.models import LiveUpdate

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
        self.loaded = threading.Event()

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
        self.loaded.set()
        while not self.stop.is_set():
            body = self.fetch(f"{poll_url}?since={since}").json()
            now = time.monotonic()
            for update in body["updates"]:
                self.received.append((update["id"], update["revision"]))
                self.first_seen.setdefault(update["id"], now)
            since = max(since, body["revision"])
            if not body["more"]:
                self.stop.wait(body["poll_interval"])


def reader_address(number: int) -> str:
    return f"127.0.{10 + number // 250}.{number % 250 + 1}"


def orm_post(entry, content: str) -> tuple[int, float]:
    update = make_update(entry, content)
    return update.pk, time.monotonic()


class AdminAuthor:
    """An author posting through the admin's add form over real HTTP.

    Signed in with a session made by the test (`session_key`, valid for the
    servers, which share the test's SECRET_KEY and database), or through the
    login form with a password (`sign_in`), it opens the form for its CSRF
    token, then posts with "Save and add another" as an author at an event
    does. `post` returns the new update's id and the moment the admin's
    response (the redirect after saving) arrived; `submit` only posts, and
    returns the answer whatever it is.
    """

    def __init__(self, port: int, session_key: str | None = None, source: str | None = None):
        self.port, self.source = port, source
        self.cookies = {"sessionid": session_key} if session_key else {}
        if session_key:
            self.open_form()

    @classmethod
    def sign_in(
        cls, port: int, username: str, password: str, source: str | None = None
    ) -> "AdminAuthor":
        author = cls(port, source=source)
        login = reverse("admin:login")
        form = author.request("GET", login)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.read())
        form.connection.close()
        fields = {"csrfmiddlewaretoken": token.group(1).decode(), "username": username,
                  "password": password, "next": reverse("admin:index")}  # fmt: skip
        answer = author.request("POST", login, urlencode(fields).encode())
        answer.read()
        answer.connection.close()
        assert answer.status == 302 and "sessionid" in author.cookies, answer.status
        author.open_form()
        return author

    def open_form(self) -> None:
        """The add form, as the author's browser loads it before each post."""
        form = self.request("GET", reverse("admin:updates_liveupdate_add"))
        assert form.status == 200, form.status
        self.token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.read())
        form.connection.close()
        assert self.token and "csrftoken" in self.cookies
        self.token = self.token.group(1).decode()

    def request(self, method: str, path: str, body: bytes | None = None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30,
            source_address=(self.source, 0) if self.source else None,
        )  # fmt: skip
        headers = {
            "Host": SITE,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        response.connection = connection
        return response

    def submit(self, entry_id: int, content: str) -> Response:
        """Post an update with this text to the entry; the answer, whatever it is."""
        body = urlencode(
            {"csrfmiddlewaretoken": self.token, "entry": entry_id, "content": content,
             "_addanother": "Save and add another", **NO_PHOTOS}
        ).encode()  # fmt: skip
        response = self.request("POST", reverse("admin:updates_liveupdate_add"), body)
        try:
            return Response(response.status, response.getheaders(), response.read())
        finally:
            response.connection.close()

    def post(self, entry, content: str) -> tuple[int, float]:
        # A marker makes the text unique, so the new row can be found by it.
        content = f"{content} ({secrets.token_hex(4)})"
        response = self.submit(entry.pk, content)
        saved = time.monotonic()
        assert response.status == 302, (response.status, response.headers)
        return LiveUpdate.objects.get(entry=entry, content=content).pk, saved


def run_readers(
    cdn,
    origin,
    readers: int,
    source: str | None = None,
    *,
    post=orm_post,
    gaps: list[float] | None = None,
    settle: float = LATENESS_ALLOWED + 1,
    spread: bool = False,
) -> dict:
    """`readers` readers of a new entry while a writer posts: every 3 s for
    30 s, or after each of `gaps` (seconds) once every reader has loaded the
    page; then `settle` seconds for the last update to reach everyone.
    `spread`: each reader from its own loopback address, as readers are,
    rather than all from one (the CDN counts each address's misses)."""
    entry = make_entry(title=f"{readers} readers")
    make_update(entry, "Before the readers came")
    origin_before = Counter(origin.requests(rf"^/entries/{entry.slug}/"))
    stop = threading.Event()
    crowd = [
        SimulatedReader(
            cdn.port,
            entry.slug,
            stop,
            n % 2 == 0,
            reader_address(n) if spread else source,
        )
        for n in range(readers)
    ]
    for reader in crowd:
        reader.start()

    posted: dict[int, float] = {}
    started = time.monotonic()
    if gaps is None:
        gaps = [POST_EVERY] * (WRITE_SECONDS // POST_EVERY)
    else:
        # Delays are measured for readers who had the page when it was posted.
        for reader in crowd:
            assert reader.loaded.wait(POLL_INTERVAL + 30), reader.problems[:3]
    for gap in gaps:
        time.sleep(gap)
        update_id, saved = post(entry, f"Posted at {time.monotonic() - started:.1f}s")
        posted[update_id] = saved
    # Let the last update reach everyone, or fail to, within the allowance.
    time.sleep(settle)
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


def delays(result: dict) -> list[float]:
    """From each post's saved response to each reader having it, in seconds."""
    return sorted(
        reader.first_seen[pk] - saved
        for reader in result["crowd"]
        for pk, saved in result["posted"].items()
        if pk in reader.first_seen
    )


def distribution(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return (
        f"{len(ordered)} deliveries: p50 {statistics.median(ordered):.2f}s, "
        f"p95 {p95:.2f}s, max {ordered[-1]:.2f}s"
    )


def check_phase(
    result: dict, lateness_allowed: float = LATENESS_ALLOWED, purges_per_post: int = 0
) -> float:
    """Every reader got every update once, in time; the origin saw about one
    request per URL per TTL (and one more per purge). Returns the latest an
    update arrived."""
    crowd, posted = result["crowd"], result["posted"]
    all_updates = set(result["entry"].updates.values_list("pk", flat=True))
    for reader in crowd:
        assert not reader.problems, reader.problems[:3]
        assert set(reader.first_seen) == all_updates
        assert len(reader.received) == len(set(reader.received)), "an update arrived twice"
    lateness = [reader.first_seen[pk] - moment for reader in crowd for pk, moment in posted.items()]
    assert max(lateness) <= lateness_allowed, sorted(lateness)[-5:]

    # At most one origin request per URL per TTL while readers asked for it,
    # plus the first miss and one background refresh of slack.
    for path, count in result["at_origin"].items():
        moments = result["asked"][path]
        allowed = math.floor((max(moments) - min(moments)) / TTL) + 2
        # A purge empties the cache: the next reader of each URL goes to the origin.
        allowed += purges_per_post * len(posted)
        assert count <= allowed, f"{path}: {count} origin requests, {allowed} allowed"
    return max(lateness)
