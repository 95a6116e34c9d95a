"""Authors post through the CDN: Varnish with deploy/varnish.vcl in front of
gunicorn (gunicorn.conf.py, 2 workers) and PostgreSQL, the application
purging Varnish after each commit.

An update posted through the cache is saved once and reaches readers, and a
POST reaches the origin once whatever happens to it there: a 5xx during an
outage, a worker that dies before answering, an answer slower than the CDN's
first-byte timeout. Varnish resends a request by itself when a connection it
reused fails before any answer, and a post the origin may already have saved
must not be sent twice (docs/deploy.md, rule 10 for any cache).

The stack has its own PostgreSQL cluster, which one test stops, so these
tests run with or without DATABASE_URL.
"""

import io
import json
import os
import re
import secrets
import signal
import socket
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from contextlib import contextmanager

import psycopg
import pytest
from django.urls import reverse
from PIL import Image

from liveblog.purge import FOLLOW_UP_MARGIN
from tests.helpers import waiting_on_a_lock
from tests.readers import AdminAuthor
from tests.servers import (
    Gunicorn,
    PostgresCluster,
    answers,
    get,
    settled,
    start_stack,
    wait_until,
)

pytestmark = pytest.mark.servers

PASSWORD = secrets.token_urlsafe(16)
SEED = f"""
from django.contrib.auth import get_user_model
from entries.models import Entry
get_user_model().objects.create_superuser("author", password={PASSWORD!r})
for slug in ("posted", "outage", "dying-worker", "slow-save"):
    Entry.objects.create(title=slug, slug=slug, status="live")
"""
ADD = reverse("admin:updates_liveupdate_add")
# The servers' LIVEBLOG_POLL_MEMO_SECONDS (the default): how long a worker may
# answer from the entry it read before a commit.
ORIGIN_MEMO_SECONDS = 1


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with start_stack(tmp_path_factory.mktemp("posting"), seed=SEED, purging=True) as stack:
        yield stack


@pytest.fixture(autouse=True)
def _origin_healthy(stack):
    """Each test starts with both workers up and Varnish's probe calling the
    origin healthy, whatever the test before did to them."""
    origin, cdn = stack.origin, stack.cdn
    wait_until(lambda: len(origin.worker_pids()) == 2 and answers(origin.port), 60, "workers")
    wait_until(
        lambda: get(cdn.port, "/healthz", cdn.token_header).status == 200, 30, "Varnish's probe"
    )


def query(database: PostgresCluster, sql: str, *params) -> list[tuple]:
    with psycopg.connect(database.url(), autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()


def entry_id(database, slug: str) -> int:
    return query(database, "SELECT id FROM entries_entry WHERE slug = %s", slug)[0][0]


def saved(database, content: str) -> int:
    return query(database, "SELECT count(*) FROM updates_liveupdate WHERE content = %s", content)[
        0
    ][0]


@contextmanager
def entry_locked(database, slug: str):
    """The entry's row locked as another writer holds it: a post to the entry
    waits at the origin, inside its transaction, until the block ends."""
    with psycopg.connect(database.url()) as connection:
        connection.execute("SELECT 1 FROM entries_entry WHERE slug = %s FOR UPDATE", (slug,))
        try:
            yield
        finally:
            connection.rollback()


def on_the_page(answer, update_id: int) -> int:
    return answer.body.decode().count(f'id="update-{update_id}"')


def posts_logged(origin: Gunicorn) -> list[tuple[str, int]]:
    return origin.answered(rf"^{re.escape(ADD)}$", method="POST")


def test_an_author_signs_in_posts_through_the_cdn_and_readers_get_the_update_once(stack):
    database, origin, cdn = stack.database, stack.origin, stack.cdn
    reader = "127.0.9.1"
    page, polls = "/entries/posted/", "/entries/posted/updates.json"
    revision = int(re.search(rb'data-revision="(\d+)"', get(cdn.port, page, source=reader).body)[1])
    poll = f"{polls}?since={revision}"
    assert get(cdn.port, poll, source=reader).json()["updates"] == []
    # Both are in the cache now: only the purge after the commit brings the update.
    assert get(cdn.port, poll, source=reader).headers["x-cache"] == "HIT"
    author = AdminAuthor.sign_in(cdn.port, "author", PASSWORD, source="127.0.9.2")
    content = f"Posted through the cache {secrets.token_hex(4)}"
    logged = len(posts_logged(origin))
    retries = cdn.counter("MAIN.backend_retry")

    answer = author.submit(entry_id(database, "posted"), content)

    assert answer.status == 302 and answer.headers["location"].startswith(ADD)
    assert saved(database, content) == 1

    def polled():
        updates = get(cdn.port, poll, source=reader).json()["updates"]
        return [update for update in updates if content in update["html"]]

    [update] = wait_until(polled, 10, "the update through the CDN")
    # A reader arriving now gets it from the page or, when a worker built the
    # page from the entry it read up to a second before the commit
    # (entries/remembered.py), from the reader script's first poll, which
    # asks from the page's revision.
    arriving = get(cdn.port, page, source=reader)
    since = int(re.search(rb'data-revision="(\d+)"', arriving.body)[1])
    first_poll = get(cdn.port, f"{polls}?since={since}", source=reader).json()["updates"]
    assert on_the_page(arriving, update["id"]) == 1 or (
        on_the_page(arriving, update["id"]) == 0
        and since < update["revision"]
        and [item["id"] for item in first_poll].count(update["id"]) == 1
    )
    # The follow-up purge leaves no page read before the commit in the cache.
    wait_until(
        lambda: on_the_page(get(cdn.port, page, source=reader), update["id"]) == 1,
        ORIGIN_MEMO_SECONDS + FOLLOW_UP_MARGIN + 1,
        "the page with the update",
    )
    # Sent once: a second attempt would be logged after the author's answer.
    assert settled(lambda: posts_logged(origin))[logged:] == [(ADD, 302)]
    assert cdn.counter("MAIN.backend_retry") == retries


def test_a_post_answered_with_503_during_a_database_outage_reaches_the_origin_once(stack):
    """The author gets the origin's 503 and posts again when it is back. A
    retry on 5xx in the VCL (a common recipe for GETs) would post twice
    whenever the error came after the save."""
    database, origin, cdn = stack.database, stack.origin, stack.cdn
    author = AdminAuthor.sign_in(cdn.port, "author", PASSWORD, source="127.0.9.3")
    target = entry_id(database, "outage")
    content = f"Posted during the outage {secrets.token_hex(4)}"
    logged = len(posts_logged(origin))
    retries = cdn.counter("MAIN.backend_retry")

    database.stop("immediate")
    try:
        # At once, before Varnish's probe (every 2 s, two failures) calls
        # the origin sick and stops sending it anything.
        answer = author.submit(target, content)
    finally:
        database.start()
    # A second attempt is made before the answer but may be logged after it.
    at_origin = settled(lambda: posts_logged(origin))[logged:]

    # The origin's own answer, passed on once.
    assert answer.status == 503 and b"Briefly unavailable" in answer.body
    assert answer.headers["retry-after"] == "10"
    assert "no-store" in answer.headers["cache-control"]
    assert at_origin == [(ADD, 503)]
    assert cdn.counter("MAIN.backend_retry") == retries
    assert saved(database, content) == 0


def test_a_post_whose_worker_dies_before_answering_is_not_sent_to_the_origin_again(stack):
    database, origin, cdn = stack.database, stack.origin, stack.cdn
    author = AdminAuthor.sign_in(cdn.port, "author", PASSWORD, source="127.0.9.4")
    target = entry_id(database, "dying-worker")
    content = f"Posted as the worker died {secrets.token_hex(4)}"
    retries = cdn.counter("MAIN.backend_retry")

    with ThreadPoolExecutor(1) as author_side, entry_locked(database, "dying-worker"):
        # The form the author posts from was just loaded through Varnish,
        # which may keep that connection to the origin for the post.
        author.open_form()
        posting = author_side.submit(author.submit, target, content)
        [(session, port)] = wait_until(lambda: waiting_on_a_lock(database), 20, "the post")
        # The worker dies (out of memory, a crash) while the post waits
        # inside its transaction: the connection closes without an answer.
        os.kill(origin.worker_with_local_port(port), signal.SIGKILL)
        try:
            answer = posting.result(timeout=15)
        except TimeoutError:
            # Varnish sent the post again, and waits for the origin.
            answer = None
        # (The dead worker's session waits on: PostgreSQL notices the
        # closed connection only when it has something to send.)
        again = [pid for pid, _ in waiting_on_a_lock(database) if pid != session]

    assert answer is not None and not again, "the post was sent to the origin again"
    assert answer.status == 503
    assert cdn.counter("MAIN.backend_retry") == retries
    # Its only attempt died with its transaction; the author may post again.
    assert saved(database, content) == 0


def test_a_post_slower_than_the_cdns_first_byte_timeout_is_saved_once(stack):
    """The origin goes on saving after Varnish has given up on it. Varnish 7.1
    does not resend on a timeout by itself, but a retry in
    vcl_backend_error (another common recipe) would: two updates."""
    database = stack.database
    target = entry_id(database, "slow-save")
    content = f"Saved slowly {secrets.token_hex(4)}"

    with stack.another_cdn(first_byte_timeout="2s") as impatient:
        author = AdminAuthor.sign_in(impatient.port, "author", PASSWORD, source="127.0.9.5")
        with ThreadPoolExecutor(1) as author_side, entry_locked(database, "slow-save"):
            author.open_form()
            posting = author_side.submit(author.submit, target, content)
            wait_until(lambda: waiting_on_a_lock(database), 20, "the post at the origin")
            # Varnish gives up after 2 s; a second attempt would be
            # waiting here too by the time the author has an answer.
            answer = posting.result(timeout=20)
            at_origin = len(waiting_on_a_lock(database))
        # The lock is gone: whatever reached the origin is saved now.
        wait_until(lambda: saved(database, content), 20, "the slow post saved")
        retries = impatient.counter("MAIN.backend_retry")

    assert answer.status == 503
    assert at_origin == 1, f"the post reached the origin {at_origin} times"
    assert retries == 0
    assert saved(database, content) == 1


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A form as a browser encodes it with files: (body, Content-Type)."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_a_photo_of_over_ten_megabytes_posted_from_the_desk_passes_the_cdn(stack):
    """A phone's full-size photo, well within the desk's 20 MB per photo."""
    database, cdn = stack.database, stack.cdn
    author = AdminAuthor.sign_in(cdn.port, "author", PASSWORD, source="127.0.9.6")
    target = entry_id(database, "posted")
    photo = io.BytesIO()
    # Noise does not compress: 4 megapixels make a PNG of about 12 MB.
    Image.frombytes("RGB", (2000, 2000), os.urandom(2000 * 2000 * 3)).save(photo, "PNG")
    assert len(photo.getvalue()) > 11 * 1024 * 1024
    content = f"The stage from the back of the hall {secrets.token_hex(4)}"
    body, content_type = multipart(
        {"content": content, "key": secrets.token_hex(8), "alt-0": "The stage", "caption-0": ""},
        {"photo-0": ("stage.png", photo.getvalue())},
    )
    cookies = "; ".join(f"{name}={value}" for name, value in author.cookies.items())

    answer = get(
        cdn.port,
        reverse("admin:entries_entry_desk_post", args=[target]),
        {"Cookie": cookies, "X-CSRFToken": author.token, "Content-Type": content_type,
         "Accept": "application/json"},
        timeout=60, method="POST", body=body, source="127.0.9.6",
    )  # fmt: skip

    assert answer.status == 201, answer.body[:300]
    assert "<img" in answer.json()["html"]
    assert saved(database, content) == 1


def test_a_desk_post_over_the_cdns_body_limit_is_refused_in_json_the_desk_can_show(stack):
    # The desk asks for JSON (issue 19): Varnish's own 413 is JSON for it too.
    author = AdminAuthor.sign_in(stack.cdn.port, "author", PASSWORD, source="127.0.9.7")
    cookies = "; ".join(f"{name}={value}" for name, value in author.cookies.items())
    path = reverse("admin:entries_entry_desk_post", args=[entry_id(stack.database, "posted")])
    head = (
        f"POST {path} HTTP/1.1\r\nHost: live.example.com\r\nCookie: {cookies}\r\n"
        f"Accept: application/json\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {202 * 1024 * 1024}\r\n\r\n"
    )

    # Refused from the announced length, before any of the body is sent.
    with socket.create_connection(
        ("127.0.0.1", stack.cdn.port), timeout=10, source_address=("127.0.9.7", 0)
    ) as sock:
        sock.sendall(head.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    status, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert status == b"HTTP/1.1 413 Request body too large"
    assert b"content-type: application/json" in headers.lower()
    assert json.loads(body) == {"error": "Request body too large"}
