"""The reader script listening to the stream in real Chromium (issue 21).

The page is opened through Varnish with deploy/varnish.vcl, which passes
the stream to a real Pushpin in front of the live server; polls go to the
live server through Varnish, which the test process purges after each
commit and whose publisher pushes to Pushpin. The timing from commit to
reader is the bench's; these tests show what a reader's page does.
"""

import time
from types import SimpleNamespace

import pytest

from tests.browser import Reader
from tests.factories import make_entry, make_update
from tests.servers import Pushpin, Varnish

pytestmark = [pytest.mark.browser, pytest.mark.servers, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pushed(browser, live_server, settings, tmp_path):
    """A reader's tab on Varnish, streams held by Pushpin, publishing on."""
    pushpin = Pushpin(tmp_path / "pushpin")
    port = int(live_server.url.rsplit(":", 1)[1])
    with pushpin.routing_to(port), Varnish(port, pushpin_port=pushpin.port) as cdn:
        settings.LIVEBLOG_POLL_INTERVAL = 1
        settings.ALLOWED_HOSTS = ["127.0.0.1"]
        settings.GRIP_VERIFY_KEY = pushpin.key
        settings.GRIP_VERIFY_ISS = "pushpin"
        settings.PUSHPIN_PUBLISH_URLS = [pushpin.publish_url]
        settings.VARNISH_URLS = [cdn.purging_env()["VARNISH_URLS"]]
        settings.LIVEBLOG_PURGE_TOKEN = cdn.purge_token
        reader = Reader(browser, SimpleNamespace(url=f"http://127.0.0.1:{cdn.port}"))
        reader.streams = []
        reader.page.on(
            "request",
            lambda request: "/events" in request.url and reader.streams.append(request.url),
        )
        reader.pushpin, reader.origin_port = pushpin, port
        try:
            yield reader
        finally:
            reader.context.close()


def listening(reader, quiet_seconds: float = 2) -> None:
    """Until the page has its stream open and, the opening event applied,
    has stopped polling at the usual second's pace."""
    deadline = time.monotonic() + 15
    while not reader.streams and time.monotonic() < deadline:
        reader.page.wait_for_timeout(100)
    assert reader.streams, "the page never opened its stream"
    polls = len(reader.polls)
    reader.page.wait_for_timeout(quiet_seconds * 1000)
    assert len(reader.polls) == polls, "still polling every second with the stream open"


def test_a_post_reaches_the_page_through_the_stream_without_a_poll(pushed):
    entry = make_entry()
    make_update(entry, "Before")
    page = pushed.open(entry)
    listening(pushed)
    polls = len(pushed.polls)

    update = make_update(entry, "Through the stream")

    page.locator(f"#update-{update.pk}").wait_for()
    assert len(pushed.polls) == polls == 0
    assert pushed.errors == []


def test_when_the_stream_dies_the_page_polls_and_later_returns_to_the_stream(pushed):
    entry = make_entry()
    page = pushed.open(entry)
    listening(pushed)

    pushed.pushpin.stop()
    update = make_update(entry, "While the stream is down")

    page.locator(f"#update-{update.pk}").wait_for()
    assert pushed.polls, "the update came without a poll, with Pushpin stopped"

    pushed.pushpin.start(pushed.origin_port)
    # The page listens again after its backoff (5 s after the first failure,
    # doubling while Pushpin was away); then it polls once a minute.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        polls = len(pushed.polls)
        page.wait_for_timeout(2500)
        if len(pushed.polls) == polls:
            break
    else:
        pytest.fail("the page kept polling every second after Pushpin was back")
    later = make_update(entry, "Through the stream again")
    polls = len(pushed.polls)
    page.locator(f"#update-{later.pk}").wait_for()
    assert len(pushed.polls) == polls
