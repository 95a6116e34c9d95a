"""The CDN design, proved with real servers: Varnish with deploy/varnish.vcl in
front of gunicorn (2 workers) and PostgreSQL, hundreds of simulated readers
polling while a writer posts.

The origin must see about one request per 10 seconds per distinct URL,
however many readers there are; every reader must get every update once,
within cache TTL + poll interval + 2 seconds.
"""

import math
import random
import re
import threading
import time
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.db import connection

from entries.models import Entry
from tests.factories import make_entry, make_update
from tests.servers import (
    VARNISHD,
    Gunicorn,
    Varnish,
    get,
    manage,
    production_environment,
    require,
)

pytestmark = [pytest.mark.servers, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TTL = 10
POLL_INTERVAL = 5
WRITE_SECONDS = 30
POST_EVERY = 3
LATENESS_ALLOWED = TTL + POLL_INTERVAL + 2


class SimulatedReader(threading.Thread):
    """A reader's browser: loads the page, then polls as the reader script does."""

    def __init__(self, port: int, slug: str, stop: threading.Event, with_cookie: bool):
        super().__init__(daemon=True)
        self.port, self.slug, self.stop = port, slug, stop
        # Half the readers carry cookies (analytics, an old CSRF token): the
        # CDN must serve them the same cached objects.
        cookie = f"_ga={random.getrandbits(64):x}; csrftoken={random.getrandbits(64):x}"
        self.headers = {"Cookie": cookie} if with_cookie else {}
        self.first_seen: dict[int, float] = {}
        self.received: list[tuple[int, int]] = []
        self.requests: list[tuple[str, float]] = []
        self.problems: list[str] = []

    def fetch(self, path: str):
        self.requests.append((path, time.monotonic()))
        response = get(self.port, path, self.headers)
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


def run_readers(cdn, origin, readers: int) -> dict:
    entry = make_entry(title=f"{readers} readers")
    make_update(entry, "Before the readers came")
    origin_before = Counter(origin.requests(rf"^/entries/{entry.slug}/"))
    stop = threading.Event()
    crowd = [SimulatedReader(cdn.port, entry.slug, stop, n % 2 == 0) for n in range(readers)]
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


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup, django_db_blocker):
    # Before anything is started: without Varnish there is nothing to test.
    require(VARNISHD, "apt-get install varnish")
    folder = tmp_path_factory.mktemp("cdn")
    with django_db_blocker.unblock():
        database = connection.settings_dict
    # The servers read and write the test database this test writes to.
    url = "postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(
        **{k: database[k] or "" for k in ("USER", "PASSWORD", "HOST", "PORT", "NAME")}
    )
    env = production_environment(url, folder / "static")
    # The same key as this process, so sessions made here are valid there.
    env["SECRET_KEY"] = settings.SECRET_KEY
    manage(env, "collectstatic", "--noinput")
    with Gunicorn(env, folder, workers=2) as origin, Varnish(origin.port) as cdn:
        yield origin, cdn


def check_phase(result: dict):
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


def test_the_origin_sees_one_request_per_url_per_ttl_whatever_the_number_of_readers(stack):
    origin, cdn = stack

    few = run_readers(cdn, origin, readers=50)
    many = run_readers(cdn, origin, readers=200)

    few_late, many_late = check_phase(few), check_phase(many)
    few_origin = sum(few["at_origin"].values())
    many_origin = sum(many["at_origin"].values())
    print(
        f"\n50 readers: {few['cdn_requests']} requests at the CDN, {few_origin} at the origin, "
        f"latest update {few_late:.1f}s after posting"
        f"\n200 readers: {many['cdn_requests']} requests at the CDN, {many_origin} at the origin, "
        f"latest update {many_late:.1f}s after posting"
    )
    assert many["cdn_requests"] > 3.5 * few["cdn_requests"]
    # Four times the readers, about the same origin traffic.
    assert many_origin <= few_origin * 1.25 + 3


def test_staff_previews_pass_the_cdn_with_their_session(stack, client, django_user_model):
    _, cdn = stack
    draft = make_entry(status=Entry.Status.DRAFT, title="Embargoed")
    make_update(draft, "Not yet")
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    session = client.cookies["sessionid"].value

    anonymous = get(cdn.port, draft.get_absolute_url())
    staff = get(cdn.port, draft.get_absolute_url(), {"Cookie": f"_ga=1; sessionid={session}"})
    anonymous_again = get(cdn.port, draft.get_absolute_url())

    assert anonymous.status == anonymous_again.status == 404
    assert staff.status == 200 and b"Embargoed" in staff.body
    assert "no-store" in staff.headers["cache-control"]
