"""Readers' streams held by a real Pushpin (issue 21), in the self-hosted
topology of docs/deploy.md: Varnish with deploy/varnish.vcl passes
/entries/<slug>/events to Pushpin, which asks gunicorn (the production
settings, 2 workers, PostgreSQL) once per connection, verified by its
Grip-Sig; an author posts through the admin, and the worker that saved the
update publishes it to Pushpin's control port after the commit.

Everything listens on 127.0.0.1, in the test's own folders and ports.
"""

import http.client
import json
import secrets
import time
from urllib.parse import urlencode

import jwt
import psycopg
import pytest
from django.urls import reverse

from tests.readers import AdminAuthor
from tests.servers import SITE, Pushpin, get, settled, start_stack, wait_until

pytestmark = pytest.mark.servers

PASSWORD = secrets.token_urlsafe(16)
SEED = f"""
from django.contrib.auth import get_user_model
from entries.models import Entry
get_user_model().objects.create_superuser("author", password={PASSWORD!r})
Entry.objects.create(title="Streamed", slug="streamed", status="live")
Entry.objects.create(title="Resumed", slug="resumed", status="live")
Entry.objects.create(title="Imported", slug="imported", status="live")
Entry.objects.create(title="Hidden", slug="hidden", status="draft")
Entry.objects.create(title="Desk", slug="desk", status="live")
"""
# From commit to a held reader's event: the bench measures it; this only
# bounds it, generously for a shared machine.
EVENT_WITHIN = 5


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("push")
    pushpin = Pushpin(folder / "pushpin")
    env = {
        **pushpin.publishing_env(),
        # One update larger than an event may carry (liveblog/push.py MAX_EVENT_BYTES).
        "LIVEBLOG_MAX_UPDATE_CHARS": "100000",
        "LIVEBLOG_MAX_UPDATE_HTML_BYTES": str(512 * 1024),
    }
    with (
        start_stack(folder, seed=SEED, purging=True, env=env, pushpin_port=pushpin.port) as stack,
        pushpin.routing_to(stack.origin.port),
    ):
        stack.pushpin = pushpin
        stack.author = AdminAuthor.sign_in(stack.origin.port, "author", PASSWORD)
        yield stack


class Stream:
    """One reader's EventSource-like connection: its events as (id, data)."""

    def __init__(self, port: int, slug: str, last_event_id: int | None = None, source=None):
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=EVENT_WITHIN, source_address=(source, 0) if source else None
        )
        headers = {"Host": SITE, "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.connection.request("GET", f"/entries/{slug}/events", headers=headers)
        self.response = self.connection.getresponse()

    def next_event(self) -> tuple[int, dict]:
        fields = {}
        while True:
            line = self.response.readline().decode()
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if not line:
                if "data" in fields:
                    return int(fields["id"]), json.loads(fields["data"])
                continue
            if line.startswith(":"):
                continue  # a keep-alive
            name, _, value = line.partition(": ")
            fields[name] = value

    def close(self):
        self.connection.close()


def entry_id(stack, slug: str) -> int:
    with psycopg.connect(stack.database.url(), autocommit=True) as connection:
        return connection.execute(
            "SELECT id FROM entries_entry WHERE slug = %s", (slug,)
        ).fetchone()[0]


def current_revision(stack, slug: str) -> int:
    with psycopg.connect(stack.database.url(), autocommit=True) as connection:
        query = "SELECT revision FROM entries_entry WHERE slug = %s"
        return connection.execute(query, (slug,)).fetchone()[0]


def post(stack, slug: str, content: str) -> None:
    answer = stack.author.submit(entry_id(stack, slug), content)
    assert answer.status == 302, answer.status


def desk(stack, action: str, entry: int, update: int | None = None, **fields) -> dict:
    """A desk request, as desk.js sends it: the form's CSRF token, JSON back."""
    args = [entry] if update is None else [entry, update]
    path = reverse(f"admin:entries_entry_desk_{action}", args=args)
    body = urlencode({"csrfmiddlewaretoken": stack.author.token, **fields}).encode()
    response = stack.author.request("POST", path, body)
    try:
        answer = json.loads(response.read())
    finally:
        response.connection.close()
    assert response.status in (200, 201), (response.status, answer)
    return answer


def stream_requests(stack) -> list[str]:
    return stack.origin.requests(r"^/entries/[^/]+/events$")


def test_a_reader_through_varnish_and_pushpin_gets_each_posted_update_as_an_event_with_its_revision(
    stack,
):
    earlier = len(settled(lambda: stream_requests(stack)))
    readers = [Stream(stack.cdn.port, "streamed", source=f"127.0.8.{n}") for n in range(1, 6)]
    opened = [reader.next_event() for reader in readers]
    # gunicorn logs a request just after answering it: counted once settled.
    before = len(settled(lambda: stream_requests(stack)))
    assert before - earlier == len(readers)
    assert all(event == opened[0] for event in opened)
    revision, data = opened[0]
    assert revision == data["revision"] == data["base"] == current_revision(stack, "streamed")

    received = []
    for n in range(3):
        content = f"Pushed {n} {secrets.token_hex(4)}"
        committed = time.monotonic()
        post(stack, "streamed", content)
        events = [reader.next_event() for reader in readers]
        received.append(time.monotonic() - committed)
        assert all(event == events[0] for event in events)
        revision, data = events[0]
        assert revision == data["revision"] == current_revision(stack, "streamed")
        assert [content in item["html"] for item in data["updates"]] == [True]

    # Each reader's connection asked the origin once; no update asked it again.
    assert len(settled(lambda: stream_requests(stack))) == before
    assert max(received) < EVENT_WITHIN
    for reader in readers:
        reader.close()


class Page:
    """A reader's page as live.js keeps it: events applied from their base,
    changes by revision; on a gap (an event from a base the page has not
    reached) or a revision-only event, a poll, here straight to the origin."""

    def __init__(self, stack, slug: str, revision: int):
        self.stack, self.slug, self.revision = stack, slug, revision
        self.shown: dict[int, str] = {}
        self.applied: list[tuple[int, int]] = []
        self.polls = 0

    def apply(self, answer: dict) -> None:
        for item in answer["updates"]:
            if item["revision"] > self.revision:
                self.shown[item["id"]] = item["html"]
                self.applied.append((item["id"], item["revision"]))
        for gone in answer["deleted"]:
            self.shown.pop(gone, None)
        self.revision = max(self.revision, answer["revision"])

    def receive(self, data: dict) -> None:
        if data.get("base", self.revision + 1) > self.revision or "updates" not in data:
            self.poll()
        else:
            self.apply(data)

    def poll(self) -> None:
        self.polls += 1
        path = f"/entries/{self.slug}/updates.json?since={self.revision}"
        self.apply(get(self.stack.origin.port, path).json())


def test_every_reader_gets_every_desk_change_once_and_in_order(stack):
    """200 readers; 20 posts, 5 edits and 3 deletions from the desk, which
    gunicorn's two workers publish each on its own. Every page applies each
    change once, in revision order, and ends where the database is; events
    from the two workers may overlap or cross, which pages absorb (an old
    one is ignored, a gap polls) and which this counts."""
    entry = entry_id(stack, "desk")
    readers = [Stream(stack.pushpin.port, "desk") for _ in range(200)]
    pages = [Page(stack, "desk", reader.next_event()[0]) for reader in readers]
    before = len(settled(lambda: stream_requests(stack)))

    posted = []
    for n in range(20):
        key = f"push-{n}-{secrets.token_hex(4)}"
        posted.append(desk(stack, "post", entry, key=key, content=f"Desk post {n}"))
    for item in posted[:5]:
        desk(stack, "edit", entry, item["id"], revision=item["revision"], content="Edited")
    for item in posted[5:8]:
        desk(stack, "delete", entry, item["id"])
    final = current_revision(stack, "desk")

    expected = {item["id"] for item in posted[8:]} | {item["id"] for item in posted[:5]}
    for reader, page in zip(readers, pages, strict=True):
        while page.revision < final:
            page.receive(reader.next_event()[1])
        reader.close()
        assert page.revision == final
        assert set(page.shown) == expected
        assert all("Edited" in page.shown[item["id"]] for item in posted[:5])
        assert page.applied == sorted(set(page.applied), key=lambda change: change[1])
    # No reader's connection asked the origin again; gaps cost a poll each.
    assert len(settled(lambda: stream_requests(stack))) == before
    polls = sum(page.polls for page in pages)
    print(f"gap polls: {polls} for 200 readers and {final} changes")  # noqa: T201


def test_a_reader_reconnecting_with_its_last_event_id_gets_what_it_missed(stack):
    reader = Stream(stack.pushpin.port, "resumed")
    seen, _ = reader.next_event()
    reader.close()
    missed = f"Missed while away {secrets.token_hex(4)}"
    post(stack, "resumed", missed)

    back = Stream(stack.pushpin.port, "resumed", last_event_id=seen)
    revision, data = back.next_event()
    back.close()

    assert data["base"] == seen
    assert revision == data["revision"] == current_revision(stack, "resumed") > seen
    assert [missed in item["html"] for item in data["updates"]] == [True]


def test_a_batch_too_large_for_one_event_sends_only_the_revision(stack):
    reader = Stream(stack.pushpin.port, "imported")
    reader.next_event()

    post(stack, "imported", "A long transcript. " * 4000)
    revision, data = reader.next_event()
    reader.close()

    assert data == {"base": data["base"], "revision": revision}
    assert revision == current_revision(stack, "imported")


def test_the_stream_asked_of_the_origin_directly_is_a_404(stack):
    answer = get(stack.origin.port, "/entries/streamed/events")

    assert answer.status == 404
    assert answer.json() == {"error": "No stream here; poll the updates instead."}


def test_a_grip_sig_signed_with_another_key_is_a_404_at_the_origin_and_stripped_by_varnish(
    stack,
):
    forged = jwt.encode({"iss": "pushpin", "exp": int(time.time()) + 60}, "x" * 40, "HS256")
    # Straight to the origin: refused.
    assert get(stack.origin.port, "/entries/streamed/events", {"Grip-Sig": forged}).status == 404
    # Through Varnish and Pushpin: Varnish drops it, Pushpin signs its own.
    reader = Stream(stack.cdn.port, "streamed")
    assert reader.response.status == 200
    reader.close()


@pytest.mark.parametrize("slug", ["hidden", "nobody-has-this"])
def test_a_drafts_or_unknown_entrys_stream_is_a_404_through_pushpin(stack, slug):
    answer = get(stack.cdn.port, f"/entries/{slug}/events")

    assert answer.status == 404
    assert answer.json() == {"error": "No such entry."}


def test_pushpin_stopped_and_started_again_serves_streams_again(stack):
    stack.pushpin.stop()
    assert get(stack.cdn.port, "/entries/streamed/events").status == 503
    stack.pushpin.start(stack.origin.port)
    # Varnish does not reconnect for backend_remote_error_holddown (0.25 s)
    # after a refused connection; a draft's 404 comes back once it does.
    wait_until(lambda: get(stack.cdn.port, "/entries/hidden/events").status == 404, 5, "Varnish")

    reader = Stream(stack.cdn.port, "streamed")
    assert reader.next_event()[0] == current_revision(stack, "streamed")
    reader.close()
