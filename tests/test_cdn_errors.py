"""Errors through the CDN: Varnish with deploy/varnish.vcl in front of gunicorn
and PostgreSQL, the application purging Varnish after each commit.

400, 405 and 503 answers reach the reader as the origin gave them and are
never stored: the next request goes to the origin again. 404s are kept 5 s
(a flood of one made-up URL costs one origin request), but a 404 that a
change would turn into a page is purged by that change: a draft going live,
an entry created for a slug readers already asked for. Nothing the origin
sends without Cache-Control is cached.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from entries.models import Entry
from liveblog import purge
from tests.factories import make_entry, make_update
from tests.helpers import waiting_on_a_lock
from tests.servers import (
    get,
    settled,
    start_stack,
    wait_until,
)

pytestmark = [pytest.mark.servers, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_database_url):
    folder = tmp_path_factory.mktemp("errors")
    with start_stack(folder, database_url=test_database_url, purging=True) as stack:
        yield stack


@pytest.fixture
def publishing(stack, settings):
    """This process purges the CDN after its commits as the servers do: the
    second purge waits for the servers' poll memo (1 s; the tests' is 0)."""
    cdn = stack.cdn
    settings.VARNISH_URLS = [f"http://127.0.0.1:{cdn.port}"]
    settings.LIVEBLOG_PURGE_TOKEN = cdn.purge_token
    settings.LIVEBLOG_POLL_MEMO_SECONDS = 1


def cached(cdn, url: str, source: str) -> bool:
    """Asked twice through the CDN: True if the second answer came from its cache."""
    get(cdn.port, url, source=source)
    return get(cdn.port, url, source=source).headers["x-cache"] == "HIT"


def test_a_404_just_before_a_draft_goes_live_becomes_its_page_poll_and_feed_at_once(
    stack, publishing
):
    cdn = stack.cdn
    draft = make_entry(status=Entry.Status.DRAFT, title="Embargoed")
    make_update(draft, "Ready to go")
    urls = [
        draft.get_absolute_url(),
        f"{draft.poll_url()}?since=0",
        f"/entries/{draft.slug}/feed.atom",
    ]
    # A 404 no change turns into a page: kept its 5 s, whatever is published.
    elsewhere = "/no/such/page"
    source = "127.0.11.1"
    for url in [*urls, elsewhere]:
        assert get(cdn.port, url, source=source).status == 404, url
        assert cached(cdn, url, source), url

    draft.go_live()
    assert purge.wait_until_idle(10)
    answers = {url: get(cdn.port, url, source=source) for url in urls}
    left = get(cdn.port, elsewhere, source=source)

    assert {url: answer.status for url, answer in answers.items()} == dict.fromkeys(urls, 200)
    assert "Ready to go" in answers[urls[1]].json()["updates"][0]["html"]
    # Purged, not expired: the 404 stored at the same moment is still there.
    assert left.status == 404 and left.headers["x-cache"] == "HIT"


def test_a_404_for_a_slug_no_entry_has_yet_becomes_the_entry_once_it_is_published(
    stack, publishing
):
    cdn = stack.cdn
    page, poll = "/entries/announced-early/", "/entries/announced-early/updates.json?since=0"
    source = "127.0.11.2"
    for url in (page, poll):
        assert get(cdn.port, url, source=source).status == 404
        assert cached(cdn, url, source)

    make_entry(slug="announced-early", title="Announced early")
    assert purge.wait_until_idle(10)

    assert get(cdn.port, page, source=source).status == 200
    assert get(cdn.port, poll, source=source).json()["status"] == "live"


def answered_with_its_query_cancelled(cdn, url: str, source: str):
    """The CDN's answer when the origin's database cancels the query behind
    `url` (as statement_timeout, or an operator, would): a 503 from the origin."""
    with transaction.atomic(), ThreadPoolExecutor(1) as reader:
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE entries_entry IN ACCESS EXCLUSIVE MODE")
        answer = reader.submit(get, cdn.port, url, source=source)
        for pid, _ in wait_until(waiting_on_a_lock, 20, "the origin's query"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_cancel_backend(%s)", [pid])
        return answer.result(timeout=20)


def test_400_405_and_503_answers_are_passed_on_and_never_stored(stack):
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry()
    make_update(entry, "Fine")
    source = "127.0.11.3"
    bad_since = f"{entry.poll_url()}?since=soon"
    bad_cursor = f"{entry.get_absolute_url()}?before=yesterday"
    unavailable = f"{entry.poll_url()}?since=0"

    answers = {
        400: [get(cdn.port, url, source=source) for url in (bad_since, bad_since)],
        "400 page": [get(cdn.port, url, source=source) for url in (bad_cursor, bad_cursor)],
        405: [
            get(cdn.port, entry.get_absolute_url(), method="POST", body=b"a=1", source=source)
            for _ in range(2)
        ],
        503: [answered_with_its_query_cancelled(cdn, unavailable, source) for _ in range(2)],
    }

    def logged():
        return {
            400: origin.answered(re.escape(bad_since)),
            "400 page": origin.answered(re.escape(bad_cursor)),
            405: origin.answered(rf"^{re.escape(entry.get_absolute_url())}$", method="POST"),
            503: origin.answered(re.escape(unavailable)),
        }

    # gunicorn writes its log line just after the answer has gone.
    at_origin = settled(logged)
    for kind, pair in answers.items():
        status = 400 if kind == "400 page" else kind
        # Both reached the origin: the first was not kept for the second.
        assert at_origin[kind] == [(at_origin[kind][0][0], status)] * 2, kind
        for answer in pair:
            assert answer.status == status, kind
            assert answer.headers["cache-control"] == "no-store", kind
            assert answer.headers["x-cache"] == "MISS", kind
    assert answers[400][0].json() == {
        "error": "The 'since' parameter must be a revision: a whole number from 0."
    }
    assert b"<h1>Bad request</h1>" in answers["400 page"][0].body
    assert answers[405][0].headers["allow"] == "GET, HEAD"
    assert answers[503][0].headers["retry-after"] == "10"
    assert "error" in answers[503][0].json()


def test_a_response_without_cache_control_is_not_cached(stack):
    origin, cdn = stack.origin, stack.cdn
    # The favicon's redirect: Django's RedirectView sends no Cache-Control
    # (which Varnish's built-in rules would keep 2 minutes).
    direct = get(origin.port, "/favicon.ico")
    assert direct.status == 301 and "cache-control" not in direct.headers

    answers = [get(cdn.port, "/favicon.ico", source="127.0.11.4") for _ in range(3)]

    assert [answer.status for answer in answers] == [301] * 3
    assert [answer.headers["x-cache"] for answer in answers] == ["MISS"] * 3
    assert len(settled(lambda: origin.requests(r"^/favicon\.ico$"))) == 1 + 3
