"""Publishing each change to readers' streams (liveblog/push.py).

Fastly's API cannot be reached from here: a local server on 127.0.0.1
stands in for it, checks each request against Fastly's documented format
and answers as Fastly does, for its purge (as tests/test_purging.py) and
for Fanout's publish endpoint:

POST https://api.fastly.com/service/{service_id}/publish/ (the trailing
slash is required), the API token in `Fastly-Key`, a JSON body
{"items": [{"channel": ..., "formats": {"http-stream": {"content": ...}}}]}.

Another stands in for Pushpin's HTTP control endpoint (push_in_http_port):
POST /publish/ with the same body and no credentials, answered 200
"Published". A real Pushpin receiving the same publishes:
tests/test_push_pushpin.py (a `servers` test, which `make mutation` leaves
out: the stand-in is what reaches Pushpin's publisher there).
"""

import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise

import pytest
from django.conf import settings
from django.db import OperationalError, transaction
from django.test import override_settings

from entries.models import Entry
from liveblog import purge, push
from tests.factories import make_entry, make_update
from tests.tools import PURGE_TIME_SCALE
from updates.changes import post_update
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "token-0123456789abcdef"
SERVICE = "SU1Z0isxPaozGVKXdv0eY"
RETRY_DELAYS = [delay * PURGE_TIME_SCALE for delay in (0.25, 0.5, 1.0)]
EVENT = re.compile(r"id: (\d+)\ndata: (\{.*\})\n\n", re.DOTALL)


class FastlyApi(ThreadingHTTPServer):
    """Fastly's purge by surrogate key and Fanout's publish, as documented
    (with PushpinHandler, Pushpin's publish)."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler] | None = None):
        super().__init__(("127.0.0.1", 0), handler or FastlyHandler)
        # ("purge", keys) and ("publish", item) in the order they arrived.
        self.received: list[tuple[str, object, float]] = []
        self.problems: list[str] = []
        self.failing_publishes = False
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def published(self) -> list[tuple[int, dict]]:
        """(id, data) of each event published, from its http-stream content."""
        found = []
        for kind, item, _ in self.received:
            if kind == "publish":
                match = EVENT.fullmatch(item["formats"]["http-stream"]["content"])
                found.append((int(match[1]), json.loads(match[2])))
        return found

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class FastlyHandler(BaseHTTPRequestHandler):
    server: FastlyApi

    def log_message(self, *args):
        pass

    def answer(self, status: int, body: bytes, content_type: str = "application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def refuse(self, problem: str, status: int):
        self.server.problems.append(f"{self.command} {self.path}: {problem}")
        self.answer(status, json.dumps({"msg": problem}).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.path = self.requestline.split()[1]
        if self.headers.get("Fastly-Key") != TOKEN:
            return self.refuse("no or wrong Fastly-Key", 401)
        if self.path == f"/service/{SERVICE}/purge":
            keys = self.headers.get("Surrogate-Key", "").split()
            self.server.received.append(("purge", keys, time.monotonic()))
            return self.answer(200, json.dumps({key: "1-2-3" for key in keys}).encode())
        if self.path != f"/service/{SERVICE}/publish/":
            return self.refuse("neither the purge nor the publish path", 404)
        self.publish(body)

    def publish(self, body: bytes):
        if self.headers.get_content_type() != "application/json":
            return self.refuse("body is not JSON", 400)
        try:
            request = json.loads(body)
        except ValueError:
            return self.refuse("unparseable body", 400)
        items = request.get("items") if isinstance(request, dict) else None
        if set(request) != {"items"} or not isinstance(items, list) or not items:
            return self.refuse(f"no items: {request!r}", 400)
        for item in items:
            formats = item.get("formats") if isinstance(item, dict) else None
            stream = isinstance(formats, dict) and formats.get("http-stream")
            if (
                not isinstance(item.get("channel"), str)
                or not item["channel"]
                or set(formats) != {"http-stream"}
                or not isinstance(stream, dict)
                or not isinstance(stream.get("content"), str)
            ):
                return self.refuse(f"not an http-stream item: {item!r}", 400)
            self.server.received.append(("publish", item, time.monotonic()))
        if self.server.failing_publishes:
            return self.answer(503, b'{"msg": "Service unavailable"}')
        self.answer(200, b"Published\n", "text/plain")


class PushpinHandler(FastlyHandler):
    """Pushpin's POST /publish/: the same items as Fanout's, no credentials."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.path = self.requestline.split()[1]
        if "Fastly-Key" in self.headers:
            return self.refuse("Fastly's token sent to Pushpin", 400)
        if self.path != "/publish/":
            return self.refuse("not the publish path", 404)
        self.publish(body)


@pytest.fixture
def fastly():
    with (
        FastlyApi() as server,
        override_settings(
            FASTLY_API_URL=server.url,
            FASTLY_API_TOKEN=TOKEN,
            FASTLY_SERVICE_ID=SERVICE,
            FASTLY_FANOUT=True,
        ),
    ):
        yield server
        assert purge.wait_until_idle(30)
    assert not server.problems, server.problems


@pytest.fixture
def pushpin():
    with (
        FastlyApi(PushpinHandler) as server,
        override_settings(PUSHPIN_PUBLISH_URLS=[server.url]),
    ):
        yield server
        assert purge.wait_until_idle(30)
    assert not server.problems, server.problems


def settle(server: FastlyApi) -> None:
    assert purge.wait_until_idle(30)
    server.received.clear()


def test_nothing_is_published_when_push_is_off(django_capture_on_commit_callbacks):
    entry = make_entry()

    with django_capture_on_commit_callbacks() as callbacks:
        make_update(entry)

    assert push.targets() == []
    assert callbacks == []


def test_a_new_update_is_published_to_fanout_as_documented_after_its_purge(fastly, caplog):
    entry = make_entry()
    settle(fastly)
    base = Entry.objects.get(pk=entry.pk).revision

    with caplog.at_level(logging.DEBUG, logger="liveblog.push"):
        update = post_update(entry, "Kick-off")
        assert purge.wait_until_idle(30)

    [(revision, data)] = fastly.published()
    assert revision == data["revision"] == update.revision
    assert data["base"] == base
    assert [item["id"] for item in data["updates"]] == [update.pk]
    [item] = [item for kind, item, _ in fastly.received if kind == "publish"]
    assert item["channel"] == f"entry-{entry.pk}"
    # The purge first: a reader told to poll must not get the old answer.
    kinds = [kind for kind, _, _ in fastly.received]
    assert kinds.index("purge") < kinds.index("publish")
    assert (
        f"Pushed revision {update.revision} of entry-{entry.pk} to Fastly Fanout "
        f"({fastly.url}/service/{SERVICE}/publish/)."
    ) in [record.getMessage() for record in caplog.records]


def test_an_update_is_published_to_pushpin_as_documented_and_to_fanout_as_well(pushpin, fastly):
    entry = make_entry()
    settle(fastly)
    settle(pushpin)

    update = post_update(entry, "Kick-off")
    assert purge.wait_until_idle(30)

    [(revision, data)] = pushpin.published()
    assert revision == data["revision"] == update.revision
    assert [item["id"] for item in data["updates"]] == [update.pk]
    [item] = [item for kind, item, _ in pushpin.received if kind == "publish"]
    assert item["channel"] == f"entry-{entry.pk}"
    # Every target gets the event, not only the first that took it.
    assert fastly.published() == pushpin.published()


def test_two_entries_changed_in_one_transaction_are_published_each_on_its_own_channel(fastly):
    """As when two desks' commits wait together for the purging thread."""
    first, second = make_entry(), make_entry()
    settle(fastly)

    with transaction.atomic():
        on_first = post_update(first, "On the first")
        on_second = post_update(second, "On the second")
    assert purge.wait_until_idle(30)

    published = {
        item["channel"]: json.loads(EVENT.fullmatch(item["formats"]["http-stream"]["content"])[2])
        for kind, item, _ in fastly.received
        if kind == "publish"
    }
    assert {channel: [u["id"] for u in data["updates"]] for channel, data in published.items()} == {
        f"entry-{first.pk}": [on_first.pk],
        f"entry-{second.pk}": [on_second.pk],
    }


def test_the_event_published_is_the_one_the_installed_builder_makes(fastly, monkeypatch):
    """updates/apps.py installs updates.stream's builder; this layer
    publishes whatever the installed one builds."""
    monkeypatch.setattr(push, "_build", push._build)  # put back after the test
    entry = make_entry()
    settle(fastly)

    push.build_events_with(
        lambda entry_id, base: push.Event(push.channel(entry_id), 99, {"built for": entry_id})
    )
    post_update(entry, "Whatever the builder says")
    assert purge.wait_until_idle(30)

    assert fastly.published() == [(99, {"built for": entry.pk})]


# PostgreSQL only: on SQLite's in-memory test database (one shared cache)
# the publisher reading an entry locks its tables outright, and the test's
# next post fails at once instead of waiting ("database table is locked").
@pytest.mark.postgres
def test_a_burst_of_posts_is_published_in_a_few_events_that_together_bring_every_change(fastly):
    entry = make_entry()
    settle(fastly)
    seen = Entry.objects.get(pk=entry.pk).revision

    updates = [post_update(entry, f"Update {n}") for n in range(20)]
    updates[3].delete()
    assert purge.wait_until_idle(30)

    published = fastly.published()
    assert len(published) < 20
    # A page applying each event from its base reaches every change once.
    # No event skips a change (its base is at most what the page has); one
    # built after a later commit may bring nothing new, which a page ignores
    # (docs/api.md), as when purges are fast (`make mutation`).
    shown: dict[int, int] = {}
    for revision, data in published:
        assert data["base"] <= seen <= revision
        for item in data["updates"]:
            shown[item["id"]] = item["revision"]
        for gone in data["deleted"]:
            shown.pop(gone, None)
        seen = revision
    assert seen == Entry.objects.get(pk=entry.pk).revision
    assert sorted(shown) == sorted(update.pk for update in updates if update.pk != updates[3].pk)


def test_ending_coverage_is_published_though_it_takes_no_revision(fastly):
    entry = make_entry()
    make_update(entry)
    settle(fastly)
    revision = Entry.objects.get(pk=entry.pk).revision

    Entry.objects.get(pk=entry.pk).end()
    assert purge.wait_until_idle(30)

    [(event_id, data)] = fastly.published()
    assert event_id == revision == data["base"]
    assert data["status"] == "ended" and data["updates"] == []


def test_an_entry_turned_back_into_a_draft_publishes_only_its_revision(fastly):
    entry = make_entry()
    settle(fastly)

    entry.status = Entry.Status.DRAFT
    entry.save()
    assert purge.wait_until_idle(30)

    [(revision, data)] = fastly.published()
    assert data == {"revision": revision}
    # Sent to the entry's open pages, which then poll and get the 404.
    [channel] = [item["channel"] for kind, item, _ in fastly.received if kind == "publish"]
    assert channel == f"entry-{entry.pk}"


def test_a_rolled_back_write_publishes_nothing(fastly):
    entry = make_entry()
    settle(fastly)

    with pytest.raises(RuntimeError), transaction.atomic():
        make_update(entry)
        raise RuntimeError("rolled back")
    assert purge.wait_until_idle(30)

    assert fastly.published() == []


def test_a_failing_publish_is_retried_then_logged_and_the_author_never_notices(fastly, caplog):
    entry = make_entry()
    settle(fastly)
    fastly.failing_publishes = True

    with caplog.at_level(logging.ERROR, logger="liveblog.push"):
        update = post_update(entry, "Saved all the same")
        assert purge.wait_until_idle(30)

    assert LiveUpdate.objects.filter(pk=update.pk).exists()
    # As purges (docs/deploy.md): tried once, then three more times, after
    # 0.25, 0.5 and 1 s.
    attempts = [at for kind, _, at in fastly.received if kind == "publish"]
    assert len(attempts) == 4, attempts
    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    assert all(gap >= delay for gap, delay in zip(gaps, RETRY_DELAYS, strict=True)), gaps
    assert [record.getMessage() for record in caplog.records] == [
        f"Pushing revision {update.revision} of entry-{entry.pk} to Fastly Fanout "
        f"({fastly.url}/service/{SERVICE}/publish/) failed 4 times "
        '(503 {"msg": "Service unavailable"}); readers get the change by their next poll.'
    ]


@pytest.mark.timing
def test_a_failing_publish_waits_the_documented_delays_and_no_longer(fastly):
    entry = make_entry()
    settle(fastly)
    fastly.failing_publishes = True

    post_update(entry, "Saved all the same")
    assert purge.wait_until_idle(30)

    attempts = [at for kind, _, at in fastly.received if kind == "publish"]
    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    # Each wait is the documented one, not the next one's.
    assert len(gaps) == 3, gaps
    for gap, delay in zip(gaps, RETRY_DELAYS, strict=True):
        assert delay <= gap < 2 * delay, gaps


def test_a_builder_that_fails_is_logged_and_later_pushes_still_go_out(fastly, caplog, monkeypatch):
    entry = make_entry()
    settle(fastly)
    real = push._build

    def broken(entry_id, base):
        monkeypatch.setattr(push, "_build", real)
        raise RuntimeError("boom")

    monkeypatch.setattr(push, "_build", broken)
    with caplog.at_level(logging.ERROR, logger="liveblog.purge"):
        post_update(entry, "Lost to the bug")
        assert purge.wait_until_idle(30)
    later = post_update(entry, "Still pushed")
    assert purge.wait_until_idle(30)

    assert "Pushing a change failed unexpectedly." in [r.getMessage() for r in caplog.records]
    assert fastly.published()[-1][0] == later.revision


def test_a_database_error_while_reading_the_changes_is_retried_and_the_event_still_goes_out(
    fastly, caplog, monkeypatch
):
    entry = make_entry()
    settle(fastly)
    real = push._build
    failures = []

    def locked_twice(entry_id, base):
        if len(failures) < 2:
            failures.append(time.monotonic())
            raise OperationalError("database table is locked: entries_entry")
        return real(entry_id, base)

    monkeypatch.setattr(push, "_build", locked_twice)
    with caplog.at_level(logging.ERROR):
        update = post_update(entry, "Pushed after the lock")
        assert purge.wait_until_idle(30)

    assert len(failures) == 2
    assert fastly.published()[-1][0] == update.revision
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.fixture
def attempts(monkeypatch) -> list[float]:
    """When each read of an entry's changes was tried; every one fails."""
    tried = []

    def always_locked(entry_id, base):
        tried.append(time.monotonic())
        raise OperationalError("database table is locked: entries_entry")

    monkeypatch.setattr(push, "_build", always_locked)
    return tried


def test_reading_the_changes_failing_every_time_is_logged_with_the_channel_and_the_attempts(
    fastly, caplog, attempts
):
    entry = make_entry()
    settle(fastly)
    with caplog.at_level(logging.ERROR):
        update = post_update(entry, "Saved all the same")
        assert purge.wait_until_idle(30)

    assert LiveUpdate.objects.filter(pk=update.pk).exists()
    assert fastly.published() == []
    # As a failed publish: tried once, then three more times, after 0.25,
    # 0.5 and 1 s.
    assert len(attempts) == 4, attempts
    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    assert all(gap >= delay for gap, delay in zip(gaps, RETRY_DELAYS, strict=True)), gaps
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        f"Reading the changes of entry-{entry.pk} failed 4 times (database table is locked: "
        "entries_entry); readers get them by their next poll."
    ]


@pytest.mark.timing
def test_reading_the_changes_waits_the_documented_delays_between_attempts_and_no_longer(
    fastly, attempts
):
    entry = make_entry()
    settle(fastly)
    post_update(entry, "Saved all the same")
    assert purge.wait_until_idle(30)

    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    # Each wait is the documented one, not the next one's.
    assert len(gaps) == 3, gaps
    for gap, delay in zip(gaps, RETRY_DELAYS, strict=True):
        assert delay <= gap < 2 * delay, gaps


def test_the_author_does_not_wait_for_a_slow_proxy(fastly, monkeypatch):
    entry = make_entry()
    settle(fastly)
    monkeypatch.setattr(push, "publish_everywhere", lambda event: time.sleep(2))

    started = time.monotonic()
    post_update(entry, "Quick")

    assert time.monotonic() - started < 1


def test_an_update_posted_from_the_command_line_is_purged_and_pushed_before_it_exits(
    fastly, tmp_path
):
    """post_update ends right after its commit: the process waits for its thread."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "SECRET_KEY": "insecure-key-for-tests-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "FASTLY_API_URL": fastly.url,
        "FASTLY_API_TOKEN": TOKEN,
        "FASTLY_SERVICE_ID": SERVICE,
        "FASTLY_FANOUT": "true",
    }

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result

    manage("migrate", "--verbosity", "0")
    manage(
        "shell",
        "-c",
        "from entries.models import Entry; Entry.objects.create(slug='cli', status='live')",
    )
    fastly.received.clear()
    manage("post_update", "cli", "From the shell")

    kinds = [kind for kind, _, _ in fastly.received]
    assert "purge" in kinds and "publish" in kinds
    [(revision, data)] = fastly.published()
    assert revision == 1 and "From the shell" in data["updates"][0]["html"]


def test_pushpin_urls_name_one_target_each(settings):
    settings.PUSHPIN_PUBLISH_URLS = ["http://127.0.0.1:5561", "http://10.0.0.2:5561/"]

    assert [str(target) for target in push.targets()] == [
        "Pushpin at http://127.0.0.1:5561/publish/",
        "Pushpin at http://10.0.0.2:5561/publish/",
    ]


def test_fanout_needs_the_switch_as_well_as_fastlys_credentials(settings):
    settings.FASTLY_API_TOKEN, settings.FASTLY_SERVICE_ID = TOKEN, SERVICE
    settings.PUSHPIN_PUBLISH_URLS = []

    settings.FASTLY_FANOUT = False
    assert push.targets() == []
    settings.FASTLY_FANOUT = True
    assert [str(target) for target in push.targets()] == [
        f"Fastly Fanout (https://api.fastly.com/service/{SERVICE}/publish/)"
    ]


def test_a_fanout_api_url_with_a_trailing_slash_publishes_to_the_documented_path(fastly, settings):
    settings.FASTLY_API_URL = f"{fastly.url}/"
    entry = make_entry()
    settle(fastly)

    update = post_update(entry, "Kick-off")
    assert purge.wait_until_idle(30)

    # Not to //service/…, which the stand-in refuses as Fastly would.
    assert [revision for revision, _ in fastly.published()] == [update.revision]
