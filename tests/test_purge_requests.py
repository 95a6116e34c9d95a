"""What the purger sends to Varnish, and when an entry's deletion purges
(liveblog/purge.py), in process: a local stand-in records the PURGE
requests. The real Varnish's answer to them is proved in tests/test_cdn.py.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from entries.models import Entry
from liveblog import purge
from tests.factories import make_entry

pytestmark = pytest.mark.django_db(transaction=True)


class VarnishStandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, status: int = 200):
        super().__init__(("127.0.0.1", 0), PurgeHandler)
        self.status = status
        self.received: list[tuple[str, str, str]] = []  # method, path, xkey-purge
        self.tokens: list[str | None] = []  # X-Liveblog-Token, as received
        # shutdown() waits for the next poll: half a second by default, per test.
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class PurgeHandler(BaseHTTPRequestHandler):
    server: VarnishStandIn

    def log_message(self, *args):
        pass

    def do_PURGE(self):
        self.server.received.append((self.command, self.path, self.headers.get("xkey-purge")))
        self.server.tokens.append(self.headers.get(purge.TOKEN_HEADER))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_varnish_gets_purge_slash_with_every_tag_in_xkey_purge():
    with VarnishStandIn() as varnish:
        purge.Varnish(varnish.url + "/").purge(["entry-7", "index"])

    assert varnish.received == [("PURGE", "/", "entry-7 index")]


def test_varnish_gets_the_purge_token_when_one_is_set_and_no_token_header_otherwise():
    # deploy/varnish.vcl refuses a purge without the token both sides read.
    with VarnishStandIn() as varnish:
        purge.Varnish(varnish.url, "a-long-purge-token").purge(["entry-7"])
        purge.Varnish(varnish.url).purge(["entry-7"])

    assert varnish.tokens == ["a-long-purge-token", None]


def test_the_purge_token_set_in_settings_reaches_varnish_with_every_purge():
    # The application's own purges, not a Varnish built by hand: the token
    # goes from LIVEBLOG_PURGE_TOKEN to each of VARNISH_URLS.
    entry = make_entry()
    token = "a-long-purge-token"
    with (
        VarnishStandIn() as varnish,
        override_settings(VARNISH_URLS=[varnish.url], LIVEBLOG_PURGE_TOKEN=token),
    ):
        entry.delete()
        assert purge.wait_until_idle(30)

    assert varnish.tokens, "nothing was purged"
    assert set(varnish.tokens) == {token}


def test_a_varnish_that_refuses_the_purge_is_a_failure_naming_its_status():
    with VarnishStandIn(status=405) as varnish, pytest.raises(purge.PurgeFailed, match="405"):
        purge.Varnish(varnish.url).purge(["entry-7"])


def test_deleting_an_entry_purges_its_answers_and_the_listing_together():
    entry = make_entry()
    with VarnishStandIn() as varnish, override_settings(VARNISH_URLS=[varnish.url]):
        entry_id = entry.pk
        entry.delete()
        assert purge.wait_until_idle(30)

    assert varnish.received, "nothing was purged"
    assert {xkey for _, _, xkey in varnish.received} == {f"entry-{entry_id} index"}


def test_deleting_entries_from_the_admin_list_purges_each_ones_answers_and_the_listing():
    first, second = make_entry(), make_entry()
    with VarnishStandIn() as varnish, override_settings(VARNISH_URLS=[varnish.url]):
        Entry.objects.filter(pk__in=[first.pk, second.pk]).delete()
        assert purge.wait_until_idle(30)

    purged = {tag for _, _, xkey in varnish.received for tag in xkey.split()}
    assert purged == {f"entry-{first.pk}", f"entry-{second.pk}", "index"}
