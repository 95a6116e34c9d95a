"""Hostile traffic against the real stack: Varnish with deploy/varnish.vcl in
front of gunicorn (gunicorn.conf.py, 2 workers) and PostgreSQL, on loopback.

Nobody may walk around the cache (URL, host or header variants), poison it
for others, or keep the origin busy: misses are rate-limited per client,
hits never; the admin login is limited and locks out guessers.

Each test's client speaks from its own loopback address (127.0.x.y), since
the CDN counts requests per client address. The origin request counts are
printed (run with -s) for docs/deploy.md.
"""

import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from entries.models import Entry
from tests.factories import make_entry, make_update
from tests.servers import (
    VARNISHD,
    Connection,
    Gunicorn,
    Varnish,
    database_url,
    get,
    manage,
    production_environment,
    require,
)

pytestmark = [pytest.mark.servers, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TTL = 10
# Misses and passes one client may send to the origin per 10 s (the VCL's).
ORIGIN_LIMIT = 30


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup, django_db_blocker):
    require(VARNISHD, "apt-get install varnish")
    folder = tmp_path_factory.mktemp("hostile")
    with django_db_blocker.unblock():
        database = connection.settings_dict
    env = production_environment(database_url(database), folder / "static")
    manage(env, "collectstatic", "--noinput")
    with Gunicorn(env, folder, workers=2) as origin, Varnish(origin.port) as cdn:
        yield origin, cdn


def hammer(port: int, source: str, requests: list[tuple[str, dict]], connections: int = 4):
    """Send the requests over a few keep-alive connections; the responses in order."""
    local = threading.local()
    pool = []

    def send(request):
        if not hasattr(local, "connection"):
            local.connection = Connection(port, source)
            pool.append(local.connection)
        path, headers = request
        return local.connection.get(path, headers)

    try:
        with ThreadPoolExecutor(connections) as executor:
            return list(executor.map(send, requests))
    finally:
        for one in pool:
            one.close()


def random_hex() -> str:
    return f"{random.getrandbits(64):x}"


def percent_encode_some(text: str) -> str:
    """Each character, at random, as it is or percent-encoded in either case."""
    encoded = []
    for char in text:
        if random.random() < 0.5:
            code = f"%{ord(char):02X}"
            encoded.append(code if random.random() < 0.5 else code.lower())
        else:
            encoded.append(char)
    return "".join(encoded)


BYPASSES = {
    "random _= on the poll": lambda slug: (
        f"/entries/{slug}/updates.json?since=0&_={random_hex()}",
        {},
    ),
    "utm_source and fbclid on the page": lambda slug: (
        f"/entries/{slug}/?utm_source={random_hex()}&fbclid={random_hex()}",
        {},
    ),
    "leading zeros in since": lambda slug: (
        f"/entries/{slug}/updates.json?since={'0' * random.randint(2, 8)}",
        {},
    ),
    "host name variants": lambda slug: (
        f"/entries/{slug}/",
        {
            "Host": random.choice(
                [
                    f"live.example.com:{random.randint(1, 65535)}",
                    "LIVE.Example.COM",
                    "live.example.com.",
                    f"Live.Example.com.:{random.randint(1, 65535)}",
                ]
            )
        },
    ),
    "percent-encoded path": lambda slug: (
        percent_encode_some(f"/entries/{slug}/"),
        {},
    ),
    "a session cookie": lambda slug: (
        f"/entries/{slug}/",
        {"Cookie": f"sessionid={random_hex()}"},
    ),
    "an Authorization header": lambda slug: (
        f"/entries/{slug}/",
        {"Authorization": f"Basic {random_hex()}"},
    ),
}


def test_url_host_cookie_and_credential_variants_reach_the_origin_a_few_times_per_thousand(
    stack,
):
    origin, cdn = stack
    counts = {}
    for number, (name, make_request) in enumerate(BYPASSES.items()):
        entry = make_entry(title=f"Bypass {number}")
        make_update(entry, "Something happened")
        started = time.monotonic()
        responses = hammer(
            cdn.port,
            f"127.0.1.{number + 1}",
            [make_request(entry.slug) for _ in range(1000)],
        )
        seconds = time.monotonic() - started

        assert {response.status for response in responses} == {200}, name
        assert all(b"Something happened" in response.body for response in responses), name
        counts[name] = len(origin.requests(rf"^/entries/{entry.slug}/"))
        # The first miss, then at most one refresh per TTL.
        assert counts[name] <= math.floor(seconds / TTL) + 2, (name, counts[name])
    print("\nOrigin requests per 1,000 requests through the CDN:")
    for name, count in counts.items():
        print(f"  {name}: {count}")


POISONERS = {
    "SCRIPT_NAME": lambda path: path.rstrip("/").rsplit("/", 1)[0] or "/",
    "PATH_INFO": lambda path: "/",
    "Script_Name": lambda path: path.rstrip("/").rsplit("/", 1)[0] or "/",
    "X_Forwarded_Host": lambda path: "evil.example.com",
}


@pytest.mark.parametrize("header", POISONERS)
def test_underscore_headers_cannot_change_what_other_readers_get(stack, header):
    origin, cdn = stack
    entry = make_entry(title="Not the index")
    make_update(entry, "Poison-free")
    page, poll = entry.get_absolute_url(), f"{entry.poll_url()}?since=0"
    source = f"127.0.2.{list(POISONERS).index(header) + 1}"

    # Directly at gunicorn, from the address it trusts as its proxy...
    direct = get(origin.port, page, {header: POISONERS[header](page)})
    # ...and through the CDN, first in line, so that whatever comes back is stored.
    poisoned_page = get(cdn.port, page, {header: POISONERS[header](page)}, source=source)
    poisoned_poll = get(cdn.port, poll, {header: POISONERS[header](poll)}, source=source)
    reader_page = get(cdn.port, page, source=source)
    reader_poll = get(cdn.port, poll, source=source)

    for response in (direct, poisoned_page, reader_page):
        assert response.status == 200
        assert b"<h1>Not the index</h1>" in response.body
    for response in (poisoned_poll, reader_poll):
        assert response.status == 200
        assert response.headers["content-type"] == "application/json"
        assert "Poison-free" in response.json()["updates"][0]["html"]
    assert reader_page.headers["x-cache"] == reader_poll.headers["x-cache"] == "HIT"


def test_a_client_sent_origin_failed_header_does_not_bring_back_what_was_withdrawn(stack):
    _, cdn = stack
    entry = make_entry(title="Withdrawn")
    make_update(entry, "Published too soon")
    page = entry.get_absolute_url()
    source = "127.0.3.1"
    assert get(cdn.port, page, source=source).status == 200

    entry.status = Entry.Status.DRAFT
    entry.save()
    # Past the TTL and the few seconds a healthy origin's copies are served
    # stale; the hour of grace is only for when the origin fails.
    time.sleep(TTL + 5 + 1)
    sneaky = get(cdn.port, page, {"X-Liveblog-Origin-Failed": "1"}, source=source)
    honest = get(cdn.port, page, source=source)

    assert sneaky.status == honest.status == 404
    assert b"Published too soon" not in sneaky.body
