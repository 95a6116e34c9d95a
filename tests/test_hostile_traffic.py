"""Hostile traffic against the real stack: Varnish with deploy/varnish.vcl in
front of gunicorn (gunicorn.conf.py, 2 workers) and PostgreSQL, on loopback.

Nobody may walk around the cache (URL, host or header variants), poison it
for others, or keep the origin busy: misses are rate-limited per client,
hits never; the admin login is limited and locks out guessers.

Each test's client speaks from its own loopback address (127.0.x.y), since
the CDN counts requests per client address. The origin request counts are
printed (run with -s) for docs/deploy.md.
"""

import json
import math
import random
import re
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.urls import reverse

from entries.models import Entry
from tests.checks import assert_shared
from tests.factories import make_entry, make_update
from tests.helpers import waiting_on_a_lock
from tests.readers import check_phase, run_readers
from tests.servers import (
    Connection,
    get,
    settled,
    start_stack,
    wait_until,
)

pytestmark = [pytest.mark.servers, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TTL = 10
# Misses and passes one client may send to the origin per 10 s (the VCL's).
ORIGIN_LIMIT = 30
# ...and to the admin, its own allowance.
ADMIN_LIMIT = 60


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_database_url):
    folder = tmp_path_factory.mktemp("hostile")
    with start_stack(folder, database_url=test_database_url) as stack:
        yield stack


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
    "leading zeros in an update's permalink, and junk beside it": lambda slug: (
        f"/entries/{slug}/?update={'0' * random.randint(0, 8)}1000000000&fbclid={random_hex()}",
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
    origin, cdn = stack.origin, stack.cdn
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
}


@pytest.mark.parametrize("header", POISONERS)
def test_underscore_headers_cannot_change_what_other_readers_get(stack, header):
    origin, cdn = stack.origin, stack.cdn
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
    cdn = stack.cdn
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


def test_concurrent_requests_for_an_uncacheable_url_go_to_the_origin_side_by_side(stack):
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry()
    # A 400 (no-store), one of the answers Varnish must not keep, that the
    # origin gives only after reading the entry (a bad `since` is refused
    # before any query, so it would not wait for the lock below).
    url = f"{entry.get_absolute_url()}?before=not-a-cursor"
    source = "127.0.3.2"
    assert get(cdn.port, url, source=source).status == 400
    # Varnish keeps its hit-for-miss marker 5 s; the origin remembers the
    # entry a page shows for 1 s (entries/remembered.py), and would answer
    # from memory without waiting for the lock below until it forgets.
    time.sleep(1.2)

    answers = []
    with transaction.atomic():
        # The origin's requests now wait for this lock, all together if
        # Varnish sent them side by side, one at a time if it queued them.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE entries_entry IN ACCESS EXCLUSIVE MODE")
        clients = [
            threading.Thread(target=lambda: answers.append(get(cdn.port, url, source=source)))
            for _ in range(8)
        ]
        for client in clients:
            client.start()
        # gunicorn has 2 workers of 4 threads; however the 8 connections
        # fall between the workers, at least 4 requests run at once.
        waiting = wait_until(lambda: (n := len(waiting_on_a_lock())) >= 4 and n, 20, "4")
    for client in clients:
        client.join(timeout=30)

    print(f"\n8 concurrent requests for a 400: {waiting} at the origin at once")
    assert [answer.status for answer in answers] == [400] * 8
    # gunicorn writes each access log line just after its answer.
    assert len(settled(lambda: origin.requests(re.escape(url)))) == 1 + 8


def test_an_origin_error_without_a_stale_copy_is_fetched_once(stack):
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry()
    url = f"{entry.poll_url()}?since=3"
    retries = cdn.counter("MAIN.backend_retry")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE entries_entry RENAME TO entries_entry_away")
    try:
        answer = get(cdn.port, url, source="127.0.3.3")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE entries_entry_away RENAME TO entries_entry")
    # A second attempt is made before the answer but may be logged after it.
    at_origin = settled(lambda: origin.requests(re.escape(url)))

    assert answer.status == 500
    assert len(at_origin) == 1
    assert cdn.counter("MAIN.backend_retry") == retries


def test_a_flood_of_one_unknown_url_costs_the_origin_one_request(stack):
    origin, cdn = stack.origin, stack.cdn
    url = f"/entries/made-up-{random_hex()}/"

    answers = hammer(cdn.port, "127.0.3.4", [(url, {})] * 200)

    assert {answer.status for answer in answers} == {404}
    assert "no-store" in answers[-1].headers["cache-control"]
    assert len(settled(lambda: origin.requests(re.escape(url)))) == 1


def test_made_up_urls_from_one_client_reach_the_origin_up_to_the_limit_and_then_get_429(stack):
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry(title="Popular")
    cached_page = entry.get_absolute_url()
    assert get(cdn.port, cached_page, source="127.0.4.9").status == 200
    made_up = [
        (f"/entries/made-up-{random_hex()}/", {})
        if n % 2
        else (f"{entry.poll_url()}?since={random.getrandbits(40)}", {})
        for n in range(500)
    ]
    # Claiming to be someone else changes nothing: no TLS terminator is trusted.
    made_up = [
        (path, {"X-Forwarded-For": f"198.51.100.{n % 250}"}) for n, (path, _) in enumerate(made_up)
    ]

    started = time.monotonic()
    answers = hammer(cdn.port, "127.0.4.1", made_up)
    seconds = time.monotonic() - started
    hit_while_limited = get(cdn.port, cached_page, source="127.0.4.1")
    someone_else = get(cdn.port, f"/entries/made-up-{random_hex()}/", source="127.0.4.2")

    sent = {path for path, _ in made_up}
    reached = sum(1 for target in origin.requests(r"") if target in sent)
    limited = [answer for answer in answers if answer.status == 429]
    print(
        f"\n500 made-up URLs from one client in {seconds:.1f}s: {reached} reached the origin, "
        f"{len(limited)} got 429"
    )
    assert seconds < 10
    assert reached <= ORIGIN_LIMIT
    assert len(limited) == 500 - reached
    assert all(1 <= int(answer.headers["retry-after"]) <= 11 for answer in limited)
    assert {answer.status for answer in answers} - {429} <= {200, 404}
    assert hit_while_limited.status == 200 and hit_while_limited.headers["x-cache"] == "HIT"
    assert someone_else.status == 404


def test_300_readers_behind_one_address_get_no_429_and_every_update(stack):
    origin, cdn = stack.origin, stack.cdn

    result = run_readers(cdn, origin, readers=300, source="127.0.5.1")

    latest = check_phase(result)  # every reader: only 200s, every update once
    statuses = sum((reader.statuses for reader in result["crowd"]), start=Counter())
    at_origin = sum(result["at_origin"].values())
    print(
        f"\n300 readers behind one address: {result['cdn_requests']} requests at the CDN "
        f"({dict(statuses)}), {at_origin} at the origin, latest update {latest:.1f}s after posting"
    )
    assert statuses[429] == 0


class SlowBody(threading.Thread):
    """A client sending a POST body one byte every half second."""

    def __init__(self, port: int, path: str, source: str, length: int = 16):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
        self.sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: live.example.com\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        self.length = length
        self.finished = threading.Event()

    def run(self):
        try:
            for _ in range(self.length):
                time.sleep(0.5)
                self.sock.sendall(b"a")
        except OSError:
            pass
        finally:
            self.finished.set()

    def close(self):
        self.sock.close()


def test_slow_request_bodies_do_not_starve_readers(stack):
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry()
    make_update(entry, "For the patient")
    # Through the CDN, which reads bodies in full before passing them on,
    # and straight at gunicorn (as through a proxy that streams them):
    # there one slow client holds one thread, not a whole worker.
    slow = [SlowBody(cdn.port, entry.get_absolute_url(), f"127.0.6.{n}") for n in range(1, 5)]
    slow += [SlowBody(origin.port, entry.get_absolute_url(), "127.0.0.1") for _ in range(2)]
    for client in slow:
        client.start()
    try:
        time.sleep(1)
        # Cache misses, so every one of them needs the origin.
        misses = [
            get(cdn.port, f"{entry.poll_url()}?since={n}", source="127.0.6.9") for n in range(16)
        ]
        direct = [get(origin.port, f"{entry.poll_url()}?since={n}") for n in range(4)]
        still_sending = [not client.finished.is_set() for client in slow]
    finally:
        for client in slow:
            client.close()

    assert [answer.status for answer in misses + direct] == [200] * 20
    assert all(still_sending)


def send_a_large_body(port: int, path: str, size: int, source: str, chunked=False) -> str:
    """POST `size` bytes (a multiple of a megabyte), announced in
    Content-Length or `chunked`, as fast as the CDN takes them: its
    answer's status line, or how the connection ended."""
    chunk = b"x" * (1 << 20)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    with socket.create_connection(
        ("127.0.0.1", port), timeout=30, source_address=(source, 0)
    ) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: live.example.com\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n".encode()
        )
        try:
            for _ in range(size // len(chunk)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # it stopped reading: its answer, if any, is waiting
        try:
            return sock.recv(4096).split(b"\r\n", 1)[0].decode() or "closed"
        except OSError as error:
            return type(error).__name__


def peak_memory(pid: int) -> int:
    """A process's highest resident memory so far (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for {pid}")


def test_anonymous_large_posts_under_the_admin_are_refused_without_filling_the_cdns_memory(stack):
    origin = stack.origin
    size = 150 * (1 << 20)
    paths = ["/admin/login/"] * 3 + [reverse("admin:updates_liveupdate_add")]
    posted_before = len(origin.requests(r"^/admin/", method="POST"))
    # A Varnish of its own: its memory's high-water mark is this test's.
    with stack.another_cdn() as cdn:
        [child] = cdn.child_pids()
        before = peak_memory(child)
        with ThreadPoolExecutor(len(paths)) as pool:
            answers = list(
                pool.map(
                    lambda n: send_a_large_body(cdn.port, paths[n], size, f"127.0.13.{n + 1}"),
                    range(len(paths)),
                )
            )
        grown = peak_memory(child) - before
    print(f"\n4 anonymous 150 MB posts under the admin: varnishd's child grew {grown >> 20} MB")

    # 413, or the connection closed on a client still sending; never passed on.
    assert all(answer.startswith("HTTP/1.1 413") or "Reset" in answer or answer == "closed"
               for answer in answers), answers  # fmt: skip
    assert any(answer.startswith("HTTP/1.1 413") for answer in answers), answers
    assert len(origin.requests(r"^/admin/", method="POST")) == posted_before
    assert grown < 32 * (1 << 20)


def test_a_client_past_the_admin_allowance_is_refused_before_its_body_is_read(stack):
    source = "127.0.13.9"
    hammer(stack.cdn.port, source, [(reverse("admin:login"), {})] * ADMIN_LIMIT)
    # Any session cookie opens the large buffer on the photo URLs.
    with socket.create_connection(
        ("127.0.0.1", stack.cdn.port), timeout=5, source_address=(source, 0)
    ) as sock:
        sock.sendall(
            f"POST {reverse('admin:updates_liveupdate_add')} HTTP/1.1\r\n"
            "Host: live.example.com\r\nCookie: sessionid=made-up\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {150 << 20}\r\n\r\n"
            .encode()
        )  # fmt: skip
        # Not a byte of the body: the answer comes anyway, at once.
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]

    assert status_line == b"HTTP/1.1 429 Too Many Requests"


def test_a_page_a_poll_and_a_static_file_carry_the_security_headers_and_no_cookie(stack):
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry()
    make_update(entry, "Headers")
    page = get(cdn.port, entry.get_absolute_url(), source="127.0.7.1").body.decode()
    script = re.search(r'<script src="(/static/[^"]+)"', page).group(1)
    urls = [entry.get_absolute_url(), f"{entry.poll_url()}?since=0", script]
    cookie = {"Cookie": "csrftoken=short; sessionid=stale"}

    # Straight from the origin (the CDN drops cookies before it gets there)
    # and through the CDN.
    answers = [get(origin.port, url, cookie) for url in urls]
    answers += [get(cdn.port, url, cookie, source="127.0.7.1") for url in urls]

    for url, answer in zip(urls * 2, answers, strict=True):
        assert answer.status == 200, url
        assert_shared(answer, url)
        assert answer.headers["x-content-type-options"] == "nosniff", url
        assert answer.headers["referrer-policy"] == "same-origin", url
        assert "camera=()" in answer.headers["permissions-policy"], url


def admin_sign_in(port: int, username: str, password: str, source: str):
    """The admin's login form as a browser fills it in, through `port`."""
    form = get(port, "/admin/login/", source=source)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body.decode()).group(1)
    cookie = re.search(r"csrftoken=([^;]+)", form.headers["set-cookie"]).group(1)
    body = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    headers = {"Cookie": f"csrftoken={cookie}", "Content-Type": "application/x-www-form-urlencoded"}
    return get(port, "/admin/login/", headers, method="POST", body=body, source=source)


def test_admin_guesses_lock_out_one_username_from_one_address_and_are_logged_with_it(
    stack, django_user_model
):
    origin, cdn = stack.origin, stack.cdn
    for name in ("editor", "colleague"):
        django_user_model.objects.create_user(name, password="right-password", is_staff=True)

    failures = [admin_sign_in(cdn.port, "editor", "wrong", "127.0.8.1") for _ in range(5)]
    locked = admin_sign_in(cdn.port, "editor", "right-password", "127.0.8.1")
    elsewhere = admin_sign_in(cdn.port, "editor", "right-password", "127.0.8.2")
    colleague = admin_sign_in(cdn.port, "colleague", "right-password", "127.0.8.1")

    assert [answer.status for answer in failures] == [200] * 4 + [429]
    assert locked.status == 429 and b"Too many failed sign-ins for editor" in locked.body
    assert elsewhere.status == colleague.status == 302
    lockout = [line for line in origin.output.read_text().splitlines() if "Locking out" in line]
    assert lockout and all(
        'username: "editor", ip_address: "127.0.8.1"' in line for line in lockout
    )


def test_the_cdn_limits_login_attempts_per_client_before_the_origin_hashes_them(stack):
    origin, cdn = stack.origin, stack.cdn
    before = len(origin.requests(r"^/admin/login/", method="POST"))

    answers = [admin_sign_in(cdn.port, f"guess{n}", "wrong", "127.0.8.3") for n in range(14)]

    reached = len(origin.requests(r"^/admin/login/", method="POST")) - before
    print(f"\n14 login attempts from one client: {reached} reached the origin")
    assert [answer.status for answer in answers] == [200] * 10 + [429] * 4
    assert reached == 10
    assert all(int(answer.headers["retry-after"]) > 0 for answer in answers[10:])


def answer_to_headers_alone(port: int, head: str, source: str) -> tuple[str, bytes]:
    """Send a request's head and no body: the status line and body of the
    answer the CDN gives without waiting for one (it closes the connection)."""
    with socket.create_connection(
        ("127.0.0.1", port), timeout=10, source_address=(source, 0)
    ) as sock:
        sock.sendall(head.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    return status.decode(), rest.partition(b"\r\n\r\n")[2]


def test_a_body_over_ten_megabytes_outside_the_admin_gets_413_before_it_is_read(stack):
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry()
    limit = 10 * (1 << 20)
    poll = f"{entry.poll_url()}?since=0"
    posted_before = len(origin.answered(r"^/entries/", method="POST"))

    at_limit = send_a_large_body(cdn.port, entry.get_absolute_url(), limit, "127.0.13.5")
    over = {
        path: answer_to_headers_alone(
            cdn.port,
            f"POST {path} HTTP/1.1\r\nHost: live.example.com\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {limit + 1}\r\n\r\n",
            "127.0.13.6",
        )
        for path in (entry.get_absolute_url(), poll)
    }
    # Without Content-Length, it is read up to the limit and no further.
    chunked = send_a_large_body(cdn.port, poll, limit + (1 << 20), "127.0.13.7", chunked=True)

    assert not at_limit.startswith("HTTP/1.1 413"), at_limit
    assert [status for status, _ in over.values()] == ["HTTP/1.1 413 Request body too large"] * 2
    assert json.loads(over[poll][1]) == {"error": "Request body too large"}
    # 413, or the connection reset under a client still sending.
    assert chunked.startswith("HTTP/1.1 413") or "Reset" in chunked, chunked
    # Only the body at the limit went on, to the origin (which takes no POST there).
    reached = settled(lambda: origin.answered(r"^/entries/", method="POST"))[posted_before:]
    assert reached == [(entry.get_absolute_url(), 405)]


def test_the_admin_takes_sixty_requests_per_client_per_ten_seconds_and_then_429(stack):
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry()
    form = reverse("admin:login")
    before = len(origin.requests(rf"^{re.escape(form)}$"))

    started = time.monotonic()
    answers = hammer(cdn.port, "127.0.14.1", [(form, {})] * (ADMIN_LIMIT + 20))
    seconds = time.monotonic() - started
    # The readers' allowance is another one: the page still comes.
    page = get(cdn.port, entry.get_absolute_url(), source="127.0.14.1")
    someone_else = get(cdn.port, form, source="127.0.14.2")

    reached = len(settled(lambda: origin.requests(rf"^{re.escape(form)}$"))) - before
    statuses = Counter(answer.status for answer in answers)
    print(
        f"\n{ADMIN_LIMIT + 20} admin requests from one client in {seconds:.1f}s: {dict(statuses)}"
    )
    assert seconds < 10
    assert statuses == {200: ADMIN_LIMIT, 429: 20}
    assert reached == ADMIN_LIMIT + 1
    limited = [answer for answer in answers if answer.status == 429]
    assert all(1 <= int(answer.headers["retry-after"]) <= 11 for answer in limited)
    assert all("no-store" in answer.headers["cache-control"] for answer in limited)
    assert page.status == someone_else.status == 200
