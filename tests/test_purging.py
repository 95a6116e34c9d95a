"""Purging the CDN after each change readers see (liveblog/purge.py).

Fastly's and Cloudflare's APIs cannot be reached from here: a local server
on 127.0.0.1 stands in for both, checks each request against the vendor's
documented format (method, path, headers, body) and answers as the vendor
does. The real Varnish purge is proved in tests/test_cdn.py.
"""

import json
import logging
import math
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.db import transaction
from django.test import override_settings

from entries.models import Entry
from liveblog import purge
from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from tests.tools import PURGE_TIME_SCALE
from updates.changes import PhotoUpload, post_update
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "token-0123456789abcdef"
SERVICE = "SU1Z0isxPaozGVKXdv0eY"
ZONE = "023e105f4ecef8ad9ca31a8372d0c353"
# docs/deploy.md, Purging: the waits before the three retries of a failed
# purge (shrunk alike in `make mutation`, tests/tools.py).
RETRY_DELAYS = [delay * PURGE_TIME_SCALE for delay in (0.25, 0.5, 1.0)]


class VendorApis(ThreadingHTTPServer):
    """Fastly's batch surrogate-key purge and Cloudflare's purge by tag, as documented.

    Fastly: POST /service/{service_id}/purge, `Fastly-Key: <token>`,
    `Surrogate-Key: key_1 key_2` (at most 256), answered with a JSON object
    mapping each key to a purge id. Cloudflare: POST
    /client/v4/zones/{zone_id}/purge_cache, `Authorization: Bearer <token>`,
    JSON body {"tags": [...]} (1 to 30), answered with
    {"success": true, "errors": [], "messages": [], "result": {"id": ...}}.
    Both documented requests say `Accept: application/json`: the answer is
    read as JSON, so a request that does not ask for it (in any case, as
    media types are compared) is refused (406).
    Anything else is recorded as a problem and refused as the vendor would.
    """

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), VendorHandler)
        self.received: list[dict] = []
        self.problems: list[str] = []
        self.failing = False  # answer every valid request with the vendor's error
        self.fastly_forgets = False  # Fastly answers 200 without the last key's purge id
        self.error_page = b""  # when failing, Fastly's error body as is, not JSON
        self.release = threading.Event()
        self.release.set()
        self.holding = threading.Event()
        # shutdown() waits for the next poll: half a second by default, per test.
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def tags(self, vendor: str) -> list[list[str]]:
        return [request["tags"] for request in self.received if request["vendor"] == vendor]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.shutdown()
        self.server_close()


class VendorHandler(BaseHTTPRequestHandler):
    server: VendorApis

    def log_message(self, *args):
        pass

    def answer(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, problem: str, status: int, body: dict):
        self.server.problems.append(f"{self.command} {self.path}: {problem}")
        self.answer(status, body)

    def do_POST(self):
        self.server.holding.set()
        self.server.release.wait(30)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        # As sent: http.server turns a leading "//" into "/", an API would not.
        self.path = self.requestline.split()[1]
        if self.path.startswith("/service/"):
            self.fastly(body)
        elif self.path.startswith("/client/v4/zones/"):
            self.cloudflare(body)
        else:
            self.refuse("unknown path", 404, {"msg": "Record not found"})

    def do_PURGE(self):
        self.refuse("PURGE is Varnish's, not an API's", 405, {"msg": "Method not allowed"})

    def fastly(self, body: bytes):
        unauthorized = {"msg": "Provided credentials are missing or invalid"}
        if self.path != f"/service/{SERVICE}/purge":
            return self.refuse("not the batch purge path", 404, {"msg": "Record not found"})
        if self.headers.get("Fastly-Key") != TOKEN:
            return self.refuse("no or wrong Fastly-Key", 401, unauthorized)
        if (self.headers.get("Accept") or "").lower() != "application/json":  # case-insensitive
            return self.refuse("does not accept JSON", 406, {"msg": "Not acceptable"})
        if self.headers.get("Fastly-Soft-Purge"):
            return self.refuse("a soft purge leaves stale copies", 400, {"msg": "soft"})
        keys = (self.headers.get("Surrogate-Key") or "").split()
        if not keys or len(keys) > 256 or body:
            return self.refuse("Surrogate-Key must list 1-256 keys", 400, {"msg": "Bad request"})
        self.server.received.append({"vendor": "fastly", "tags": keys, "at": time.monotonic()})
        if self.server.failing and self.server.error_page:
            self.send_response(503)
            self.send_header("Content-Type", "text/html; charset=iso-8859-1")
            self.send_header("Content-Length", str(len(self.server.error_page)))
            self.end_headers()
            return self.wfile.write(self.server.error_page)
        if self.server.failing:
            return self.answer(503, {"msg": "Service unavailable"})
        answered = keys[:-1] if self.server.fastly_forgets else keys
        self.answer(200, {key: f"{n}-1391560174-974124" for n, key in enumerate(answered)})

    def cloudflare(self, body: bytes):
        def error(code, message):
            return {"success": False, "errors": [{"code": code, "message": message}],
                    "messages": [], "result": None}  # fmt: skip

        if self.path != f"/client/v4/zones/{ZONE}/purge_cache":
            return self.refuse("not the zone's purge_cache", 404, error(7003, "No route"))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.refuse("no Bearer token", 403, error(10000, "Authentication error"))
        if (self.headers.get("Accept") or "").lower() != "application/json":  # case-insensitive
            return self.refuse("does not accept JSON", 406, error(6003, "Not acceptable"))
        if self.headers.get_content_type() != "application/json":
            return self.refuse("body is not JSON", 400, error(6003, "Invalid request headers"))
        try:
            request = json.loads(body)
        except ValueError:
            return self.refuse("unparseable body", 400, error(6007, "Malformed JSON"))
        tags = request.get("tags") if isinstance(request, dict) else None
        if (
            set(request) != {"tags"}
            or not isinstance(tags, list)
            or not 1 <= len(tags) <= 30
            or not all(isinstance(tag, str) and tag for tag in tags)
        ):
            return self.refuse(f"not 1-30 tags: {request!r}", 400, error(1012, "Bad tags"))
        self.server.received.append({"vendor": "cloudflare", "tags": tags, "at": time.monotonic()})
        if self.server.failing:
            return self.answer(200, error(10000, "Authentication error"))
        self.answer(200, {"success": True, "errors": [], "messages": [], "result": {"id": ZONE}})


@pytest.fixture
def apis():
    with (
        VendorApis() as server,
        override_settings(
            FASTLY_API_URL=server.url,
            FASTLY_API_TOKEN=TOKEN,
            FASTLY_SERVICE_ID=SERVICE,
            CLOUDFLARE_API_URL=f"{server.url}/client/v4",
            CLOUDFLARE_API_TOKEN=TOKEN,
            CLOUDFLARE_ZONE_ID=ZONE,
        ),
    ):
        yield server
        assert purge.wait_until_idle(30)
    assert not server.problems, server.problems


def test_nothing_is_queued_when_no_cdn_is_configured(django_capture_on_commit_callbacks):
    entry = make_entry()

    with django_capture_on_commit_callbacks() as callbacks:
        make_update(entry)

    assert purge.backends() == []
    assert callbacks == []


def test_a_new_update_purges_its_entry_at_fastly_and_cloudflare_as_documented(apis, caplog):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()

    with caplog.at_level(logging.DEBUG, logger="liveblog.purge"):
        post_update(entry, "Kick-off")
        assert purge.wait_until_idle(30)

    # Each purge is logged at DEBUG, naming the tags and the CDN.
    assert f"Purged entry-{entry.pk} at Fastly ({apis.url}/service/{SERVICE}/purge)." in [
        record.getMessage() for record in caplog.records
    ]

    # At once and again a moment later (the two may coalesce; see below).
    tag = f"entry-{entry.pk}"
    assert apis.tags("fastly") and apis.tags("fastly") == apis.tags("cloudflare")
    assert all(batch == [tag] for batch in apis.tags("fastly"))


def test_an_entry_change_purges_the_entry_and_the_listing(apis):
    entry = make_entry(status=Entry.Status.LIVE)
    assert purge.wait_until_idle(30)
    apis.received.clear()

    entry.end()
    assert purge.wait_until_idle(30)

    both = sorted([f"entry-{entry.pk}", "index"])
    assert apis.tags("fastly") and apis.tags("fastly") == apis.tags("cloudflare")
    assert all(batch == both for batch in apis.tags("fastly"))


def test_going_live_purges_the_404s_kept_for_the_entrys_slug(apis):
    draft = make_entry(status=Entry.Status.DRAFT, slug="embargoed")
    draft.title = "Still embargoed"
    draft.save()
    assert purge.wait_until_idle(30)
    # A draft's saves leave its 404s alone: they stay 404s.
    assert purge.slug_tag("embargoed") not in sum(apis.tags("fastly"), [])
    apis.received.clear()

    draft.go_live()
    assert purge.wait_until_idle(30)

    for vendor in ("fastly", "cloudflare"):
        assert purge.slug_tag("embargoed") in sum(apis.tags(vendor), [])


def test_a_new_slug_for_a_published_entry_purges_that_slugs_404s(apis):
    entry = make_entry(status=Entry.Status.LIVE, slug="keynote-draft-name")
    assert purge.wait_until_idle(30)
    apis.received.clear()

    entry.slug = "keynote"
    entry.save()
    assert purge.wait_until_idle(30)

    for vendor in ("fastly", "cloudflare"):
        assert purge.slug_tag("keynote") in sum(apis.tags(vendor), [])


def test_an_entry_created_live_purges_its_slugs_404s(apis):
    make_entry(status=Entry.Status.LIVE, slug="announced-early")
    assert purge.wait_until_idle(30)

    assert purge.slug_tag("announced-early") in sum(apis.tags("fastly"), [])


def test_edits_deletions_and_deleted_entries_purge_too(apis):
    entry = make_entry()
    update = make_update(entry)
    assert purge.wait_until_idle(30)

    for change in (
        lambda: setattr(update, "content", "Corrected") or update.save(),
        update.delete,
        lambda: Entry.objects.filter(pk=entry.pk).delete(),
    ):
        apis.received.clear()
        change()
        assert purge.wait_until_idle(30)
        assert any(f"entry-{entry.pk}" in batch for batch in apis.tags("fastly")), apis.received


@pytest.mark.usefixtures("media_root")
def test_deleting_a_photo_purges_its_files_at_the_cdn(apis):
    # Photo files are cached for a year under the tag `photo-<key>`: a
    # deleted photo's files must leave the CDN with it.
    update = post_update(make_entry(), "", photos=[PhotoUpload(phone_jpeg(640, 480), "The stage")])
    tag = f"photo-{update.photos.get().key}"
    assert purge.wait_until_idle(30)
    apis.received.clear()

    update.delete()
    assert purge.wait_until_idle(30)

    assert tag in sum(apis.tags("fastly"), []), apis.received


def test_a_rolled_back_write_purges_nothing(apis):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        make_update(entry)
        raise RuntimeError("the author's request failed")
    assert purge.wait_until_idle(30)

    assert apis.received == []


@pytest.mark.timing
@override_settings(LIVEBLOG_POLL_MEMO_SECONDS=1)
def test_each_change_is_purged_again_once_no_worker_can_answer_from_before_it(apis):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()

    update = make_update(entry)
    committed = time.monotonic()
    assert purge.wait_until_idle(30)

    moments = [
        request["at"] - committed for request in apis.received if request["vendor"] == "fastly"
    ]
    assert len(moments) == 2, moments
    assert moments[0] < 1 <= moments[1], moments
    assert LiveUpdate.objects.filter(pk=update.pk).exists()


@pytest.mark.timing
@override_settings(LIVEBLOG_POLL_MEMO_SECONDS=1)
def test_a_burst_of_twenty_posts_costs_a_handful_of_purges_and_the_last_covers_them_all(apis):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()

    first_commit = time.monotonic()
    for number in range(20):
        make_update(entry, f"Goal {number}")
    last_commit = time.monotonic()
    assert purge.wait_until_idle(30)

    fastly = [request for request in apis.received if request["vendor"] == "fastly"]
    print(f"\n20 posts in {last_commit - first_commit:.2f}s: {len(fastly)} purges at Fastly")
    # At most one per PURGE_SPACING while commits come, and the follow-up after.
    burst = last_commit - first_commit + 1 + purge.FOLLOW_UP_MARGIN
    assert 2 <= len(fastly) <= min(math.ceil(burst / purge.PURGE_SPACING) + 1, 10)
    assert all(request["tags"] == [f"entry-{entry.pk}"] for request in fastly)
    # The follow-up purge comes after the memo's lifetime has passed for the last commit.
    assert fastly[-1]["at"] >= last_commit + 1


def test_a_failing_cdn_is_retried_then_logged_and_the_author_never_notices(apis, caplog):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()
    apis.failing = True

    with caplog.at_level(logging.ERROR, logger="liveblog.purge"):
        update = post_update(entry, "Saved all the same")
        assert purge.wait_until_idle(30)

    assert LiveUpdate.objects.filter(pk=update.pk).exists()
    # docs/deploy.md: each purge is tried once, then three more times, after
    # 0.25, 0.5 and 1 s, at each vendor in turn.
    fastly = [request["at"] for request in apis.received if request["vendor"] == "fastly"]
    purges = [fastly[start : start + 4] for start in range(0, len(fastly), 4)]
    assert purges and all(len(attempts) == 4 for attempts in purges), fastly
    for attempts in purges:
        gaps = [later - earlier for earlier, later in pairwise(attempts)]
        assert all(gap >= delay for gap, delay in zip(gaps, RETRY_DELAYS, strict=True)), gaps
    assert len(apis.tags("cloudflare")) == len(fastly)
    failures = [record.getMessage() for record in caplog.records]
    assert len(failures) == 2 * len(purges), failures
    assert (
        f"Purging entry-{entry.pk} at Fastly ({apis.url}/service/{SERVICE}/purge) failed 4 times"
        ' (503 {"msg": "Service unavailable"}); readers get the change when their cached'
        " copies expire."
    ) in failures
    assert any(
        "Cloudflare" in message and "Authentication error" in message for message in failures
    )


def test_a_cdn_error_page_that_is_not_utf8_is_logged_readably(apis, caplog, settings):
    # A proxy in front of the API may answer in Latin-1: the log line still
    # says what failed, with what the page said.
    settings.CLOUDFLARE_API_TOKEN = ""
    apis.failing = True
    apis.error_page = "<h1>Service indisponible \u00e0 Paris</h1>".encode("latin-1")

    with caplog.at_level(logging.ERROR, logger="liveblog.purge"):
        purge.purge_everywhere(["entry-1"])

    (failure,) = [record.getMessage() for record in caplog.records]
    assert "failed 4 times (503 <h1>Service indisponible \ufffd Paris</h1>)" in failure


def test_purges_are_logged_naming_every_tag(apis, caplog, settings):
    settings.CLOUDFLARE_API_TOKEN = ""
    fastly = f"Fastly ({apis.url}/service/{SERVICE}/purge)"

    with caplog.at_level(logging.DEBUG, logger="liveblog.purge"):
        purge.purge_everywhere(["entry-1", "index"])
        apis.failing = True
        purge.purge_everywhere(["entry-1", "index"])

    messages = [record.getMessage() for record in caplog.records]
    assert messages[0] == f"Purged entry-1 index at {fastly}."
    assert messages[-1].startswith(f"Purging entry-1 index at {fastly} failed 4 times")


@pytest.mark.timing
def test_retries_wait_the_documented_delays_and_no_longer(apis, settings):
    settings.CLOUDFLARE_API_TOKEN = ""
    apis.failing = True

    purge.purge_everywhere(["entry-1"])

    attempts = [request["at"] for request in apis.received]
    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    # Each wait is the documented one, not the next one's (a doubling off by one).
    assert len(gaps) == 3, gaps
    for gap, delay in zip(gaps, RETRY_DELAYS, strict=True):
        assert delay <= gap < 2 * delay, gaps


def test_the_author_does_not_wait_for_a_slow_cdn(apis):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()
    apis.release.clear()
    apis.holding.clear()

    update = post_update(entry, "Published while the CDN dawdles")

    # The save has returned while the CDN still holds the purge request.
    assert apis.holding.wait(10)
    assert LiveUpdate.objects.filter(pk=update.pk).exists()
    assert apis.received == []
    apis.release.set()


def test_waiting_for_the_purger_counts_a_purge_still_on_its_way(apis, monkeypatch):
    """Every test here waits with wait_until_idle: it must not return while
    the CDN still holds the last purge, with nothing else pending."""
    # The follow-up then falls on the first purge's moment: one purge only.
    monkeypatch.setattr(purge, "FOLLOW_UP_MARGIN", 0)
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()
    apis.release.clear()
    apis.holding.clear()

    post_update(entry, "Held at the CDN")
    assert apis.holding.wait(10)

    assert not purge.wait_until_idle(0.2)
    apis.release.set()
    assert purge.wait_until_idle(30)
    assert len(apis.tags("fastly")) == 1


def test_commits_made_while_a_purge_is_on_its_way_are_covered_by_one_more(apis):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()
    apis.release.clear()
    apis.holding.clear()

    post_update(entry, "Kick-off")
    assert apis.holding.wait(10)
    for number in range(10):
        post_update(entry, f"Goal {number}")
    apis.release.set()
    assert purge.wait_until_idle(30)

    # The held purge, then one for all ten (perhaps a last follow-up): not ten.
    fastly = apis.tags("fastly")
    assert 2 <= len(fastly) <= 3, fastly
    assert all(batch == [f"entry-{entry.pk}"] for batch in fastly)


def test_one_purger_thread_sends_every_purge_and_outlives_an_idle_moment(apis):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    purger = purge._queue().thread

    for number in range(3):
        apis.received.clear()
        post_update(entry, f"Goal {number}")
        assert purge.wait_until_idle(30)
        assert apis.tags("fastly"), number

    assert purger.is_alive()
    assert purge._queue().thread is purger
    # Named in tracebacks and thread dumps; a daemon, or a worker or a
    # management command could not exit while it waits for work.
    assert (purger.name, purger.daemon) == ("cdn-purger", True)


def test_an_unexpected_failure_is_logged_with_its_tags_and_later_purges_still_go_out(
    apis, caplog, monkeypatch
):
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()
    purge_everywhere = purge.purge_everywhere

    def fails_once(tags):
        monkeypatch.setattr(purge, "purge_everywhere", purge_everywhere)
        raise RuntimeError("a bug in a backend")

    monkeypatch.setattr(purge, "purge_everywhere", fails_once)
    with caplog.at_level(logging.ERROR, logger="liveblog.purge"):
        post_update(entry, "Kick-off")
        assert purge.wait_until_idle(30)
        post_update(entry, "Goal")
        assert purge.wait_until_idle(30)

    (failure,) = caplog.records
    assert failure.getMessage() == f"Purging ['entry-{entry.pk}'] failed unexpectedly."
    assert failure.exc_info and "a bug in a backend" in str(failure.exc_info[1])
    assert apis.tags("fastly"), "later purges went out"


def test_the_vendor_stand_in_refuses_what_the_vendors_would(apis):
    """The checks above would pass for any request if the stand-in accepted everything."""
    wrong_token = purge.Fastly(apis.url, "wrong", SERVICE)
    wrong_zone = purge.Cloudflare(f"{apis.url}/client/v4", TOKEN, "another-zone")

    with pytest.raises(purge.PurgeFailed, match="401"):
        wrong_token.purge(["entry-1"])
    with pytest.raises(purge.PurgeFailed, match="404"):
        wrong_zone.purge(["entry-1"])
    for vendor in (f"{apis.url}/service/{SERVICE}/purge",
                   f"{apis.url}/client/v4/zones/{ZONE}/purge_cache"):  # fmt: skip
        asks_for_html = Request(
            vendor, data=b'{"tags": ["entry-1"]}', method="POST",
            headers={"Fastly-Key": TOKEN, "Surrogate-Key": "entry-1", "Accept": "text/html",
                     "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )  # fmt: skip
        with pytest.raises(HTTPError, match="406"):
            urlopen(asks_for_html, timeout=5)

    assert len(apis.problems) == 4
    apis.problems.clear()


def test_many_tags_go_in_batches_within_each_vendors_limit(apis):
    tags = [f"entry-{n}" for n in range(300)]

    purge.Fastly(apis.url, TOKEN, SERVICE).purge(tags)
    purge.Cloudflare(f"{apis.url}/client/v4", TOKEN, ZONE).purge(tags)

    assert [len(batch) for batch in apis.tags("fastly")] == [256, 44]
    assert [len(batch) for batch in apis.tags("cloudflare")] == [30] * 10
    assert sum(apis.tags("cloudflare"), []) == tags


def test_varnish_urls_name_one_purger_each():
    with override_settings(VARNISH_URLS=["http://127.0.0.1:6081", "http://10.0.0.2/"]):
        found = [str(backend) for backend in purge.backends()]

    assert found == ["Varnish at http://127.0.0.1:6081/", "Varnish at http://10.0.0.2/"]
    assert re.fullmatch(r"entry-\d+", purge.entry_tag(7))


def test_a_fastly_answer_without_every_keys_purge_id_is_a_failure():
    with VendorApis() as apis:
        apis.fastly_forgets = True
        fastly = purge.Fastly(apis.url, TOKEN, SERVICE)

        with pytest.raises(purge.PurgeFailed, match=r"unexpected answer \{'entry-1': "):
            fastly.purge(["entry-1", "entry-2"])


def test_api_urls_given_with_a_trailing_slash_reach_the_documented_paths():
    with VendorApis() as apis:
        purge.Fastly(f"{apis.url}/", TOKEN, SERVICE).purge(["entry-1"])
        purge.Cloudflare(f"{apis.url}/client/v4/", TOKEN, ZONE).purge(["entry-1"])

    assert apis.problems == []
    assert apis.tags("fastly") == apis.tags("cloudflare") == [["entry-1"]]


def test_the_follow_up_purge_waits_out_the_memo_and_the_margin(apis, settings, monkeypatch):
    """Only a lower bound, which a slow machine cannot break: not a timing test."""
    # Short, but each longer than a post takes, in make mutation as well.
    settings.LIVEBLOG_POLL_MEMO_SECONDS = 0.1
    monkeypatch.setattr(purge, "FOLLOW_UP_MARGIN", 0.1)
    entry = make_entry()
    assert purge.wait_until_idle(30)
    apis.received.clear()

    before_commit = time.monotonic()
    post_update(entry, "Kick-off")
    assert purge.wait_until_idle(30)

    # (At once and then, or once, when the entry's last purge was too recent.)
    fastly = [request["at"] for request in apis.received if request["vendor"] == "fastly"]
    assert fastly
    assert (
        fastly[-1] >= before_commit + settings.LIVEBLOG_POLL_MEMO_SECONDS + purge.FOLLOW_UP_MARGIN
    )


def test_past_max_pending_tags_new_ones_are_dropped_with_a_warning_and_known_ones_kept(
    apis, caplog, monkeypatch
):
    monkeypatch.setattr(purge, "MAX_PENDING", 3)
    # The follow-up then falls on the first purge's moment: nothing stays pending.
    monkeypatch.setattr(purge, "FOLLOW_UP_MARGIN", 0)
    apis.release.clear()
    purge.purge_after_commit(["entry-a"])
    assert apis.holding.wait(10)

    with caplog.at_level(logging.WARNING, logger="liveblog.purge"):
        purge.purge_after_commit(["entry-b", "entry-c", "entry-d", "entry-e", "entry-b", "entry-f"])
    apis.release.set()
    assert purge.wait_until_idle(30)

    assert [record.getMessage() for record in caplog.records] == [
        f"Too many purges pending; {tag} left to expire by itself."
        for tag in ("entry-e", "entry-f")
    ]
    purged = {tag for batch in apis.tags("fastly") for tag in batch}
    assert purged == {"entry-a", "entry-b", "entry-c", "entry-d"}


def test_a_cdn_that_never_answers_is_given_up_on_after_the_timeout(apis, monkeypatch):
    monkeypatch.setattr(purge, "TIMEOUT", 0.5)
    apis.release.clear()

    with pytest.raises(TimeoutError):
        purge.Fastly(apis.url, TOKEN, SERVICE).purge(["entry-1"])
    apis.release.set()


def test_a_vendor_with_a_token_but_no_service_or_zone_is_not_purged():
    with override_settings(FASTLY_API_TOKEN=TOKEN, CLOUDFLARE_API_TOKEN=TOKEN):
        assert purge.backends() == []
    with override_settings(FASTLY_SERVICE_ID=SERVICE, CLOUDFLARE_ZONE_ID=ZONE):
        assert purge.backends() == []
