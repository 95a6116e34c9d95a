import gzip
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from entries.models import Entry
from tests.checks import assert_shared
from tests.factories import make_entry, make_update
from updates.changes import post_updates
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db


def get_page(client, entry):
    return client.get(entry.get_absolute_url())


def test_a_live_page_shows_title_intro_badge_and_updates_newest_first(client):
    entry = make_entry(title="Cup final", intro="Kick-off at **8pm**.")
    make_update(entry, "Second half", published=datetime(2026, 5, 1, 20, 50, tzinfo=UTC))
    make_update(entry, "Kick-off", published=datetime(2026, 5, 1, 20, 0, tzinfo=UTC))

    page = get_page(client, entry).content.decode()

    assert "<h1>Cup final</h1>" in page
    assert "Kick-off at <strong>8pm</strong>." in page
    assert '<span class="badge badge-live">Live</span>' in page
    assert 'data-order="newest"' in page
    assert page.index("Second half") < page.index("Kick-off</p>")


def test_an_ended_page_reads_oldest_first_like_a_transcript(client):
    entry = make_entry()
    make_update(entry, "Second half", published=datetime(2026, 5, 1, 20, 50, tzinfo=UTC))
    make_update(entry, "Kick-off", published=datetime(2026, 5, 1, 20, 0, tzinfo=UTC))
    entry.end()

    page = get_page(client, entry).content.decode()

    assert 'data-order="oldest"' in page
    assert page.index("Kick-off</p>") < page.index("Second half</p>")


def test_update_times_are_shown_in_the_entrys_time_zone_named_once(client):
    entry = make_entry(timezone="America/Los_Angeles")
    update = make_update(entry, published=datetime(2026, 7, 1, 16, 5, tzinfo=UTC))

    page = get_page(client, entry).content.decode()

    # Coverage started (today, in the test) in one zone or the other of
    # Los Angeles; the zone is named once, and no time carries a name.
    expected = entry.coverage_start.astimezone(entry.zone).tzname()
    assert page.count("Times in ") == 1
    assert f"Times in {expected} (America/Los_Angeles)" in page
    assert page.count("America/Los_Angeles") == 1
    # American English, as the site's language is (issue 23: "2:05 PM").
    assert '<time datetime="2026-07-01T09:05:00-07:00">9:05 AM</time>' in page
    assert f'href="?update={update.pk}#update-{update.pk}"' in page
    assert f'id="update-{update.pk}"' in page


def test_the_updates_container_tells_the_script_where_to_poll_from(client):
    entry = make_entry(slug="keynote")
    make_update(entry)
    make_update(entry)

    page = get_page(client, entry).content.decode()

    assert 'data-poll-url="/entries/keynote/updates.json"' in page
    assert 'data-revision="2"' in page


def test_the_page_and_the_poll_endpoint_render_an_update_the_same_way(client):
    entry = make_entry(timezone="Asia/Kolkata")
    make_update(entry, "Same *markup* everywhere")

    page = get_page(client, entry).content.decode()
    (item,) = client.get(reverse("updates:poll", kwargs={"slug": entry.slug})).json()["updates"]

    assert item["html"] in page


def test_deleted_updates_are_not_on_the_page(client):
    entry = make_entry()
    make_update(entry, "Wrong result").delete()
    make_update(entry, "Right result")

    page = get_page(client, entry).content.decode()

    assert "Right result" in page
    assert "Wrong result" not in page


def test_the_page_shows_a_link_to_its_feed_not_only_in_the_head(client):
    entry = make_entry(slug="keynote")

    page = get_page(client, entry).content.decode()

    body = page.split("<body>", 1)[1]
    assert (
        '<a href="/entries/keynote/feed.atom" type="application/atom+xml">'
        "Follow in a feed reader (Atom)</a>"
    ) in body


def test_an_ended_entry_shows_an_ended_badge(client):
    entry = make_entry(status=Entry.Status.ENDED)

    assert (
        '<span class="badge badge-ended">Ended</span>' in get_page(client, entry).content.decode()
    )


def test_drafts_are_404_for_anonymous_readers(client):
    entry = make_entry(status=Entry.Status.DRAFT)

    response = get_page(client, entry)

    assert response.status_code == 404
    assert "There is no page at this address" in response.content.decode()


def test_signed_in_staff_get_the_public_404_for_a_draft_too(staff_client):
    # Their preview is under the admin's URL (tests/test_previews.py).
    entry = make_entry(status=Entry.Status.DRAFT, title="Embargoed launch")

    response = get_page(staff_client, entry)

    assert response.status_code == 404
    assert "Embargoed launch" not in response.content.decode()


def test_unknown_entries_are_404(client):
    assert client.get("/entries/nothing-here/").status_code == 404


def test_posting_to_the_page_is_405_with_a_message(client):
    entry = make_entry()

    response = client.post(entry.get_absolute_url())

    assert response.status_code == 405
    assert "Method POST not allowed" in response.content.decode()


def test_the_page_is_public_and_sets_no_cookie(client):
    entry = make_entry()
    client.cookies["sessionid"] = "stale"

    response = get_page(client, entry)

    assert_shared(response)


@pytest.mark.parametrize("size", [10, 1000])
def test_the_page_takes_three_queries_however_many_updates_with_a_pin_and_key_events(
    client, django_assert_num_queries, size
):
    entry = make_entry()
    post_updates(
        entry,
        [LiveUpdate(content=f"Update {n}", key_event=n % 100 == 0) for n in range(size - 1)]
        + [LiveUpdate(content="The oldest, pinned", pinned=True)],
    )

    with django_assert_num_queries(3):
        page = get_page(client, entry).content.decode()

    assert len(re.findall(r'<article class="update[ "]', page)) == min(size, 200) + 1
    assert len(re.findall(r'<li><a href="\?update=', page)) == (size - 2) // 100 + 1


def test_a_page_served_again_at_the_same_revision_reuses_its_fragments_but_never_stale_ones(
    client, django_assert_num_queries
):
    entry = make_entry()
    first = make_update(entry, "First")
    get_page(client, entry)

    with django_assert_num_queries(1):
        again = get_page(client, entry).content.decode()
    first.content = "First, corrected"
    first.save()
    with django_assert_num_queries(3):
        edited = get_page(client, entry).content.decode()

    assert "First</p>" in again
    assert "First, corrected" in edited


def test_the_page_memo_forgets_the_page_served_longest_ago_first(
    client, django_assert_num_queries, settings
):
    settings.LIVEBLOG_PAGE_MEMO_SIZE = 4  # two pages: each its updates and its highlights
    entries = [make_entry() for _ in range(3)]
    for entry in entries:
        make_update(entry, "First")
        get_page(client, entry)

    with django_assert_num_queries(1):
        get_page(client, entries[2])
    with django_assert_num_queries(1):
        get_page(client, entries[1])
    with django_assert_num_queries(3):
        get_page(client, entries[0])


def test_with_no_page_memo_every_page_is_read_from_the_database(
    client, django_assert_num_queries, settings
):
    settings.LIVEBLOG_PAGE_MEMO_SIZE = 0
    entry = make_entry()
    make_update(entry, "First")
    get_page(client, entry)

    with django_assert_num_queries(3):
        again = get_page(client, entry).content.decode()

    assert "First</p>" in again


class InlineScriptFinder(HTMLParser):
    """What a browser would run from the page itself rather than from a file."""

    DATA_TYPES = {"application/json", "application/ld+json"}

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") not in self.DATA_TYPES:
            self.found.append("<script> without src")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript:")


def inline_script(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    return finder.found


def test_the_script_finder_sees_what_a_browser_would_run():
    hostile = (
        '<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href=" JavaScript:alert(3)">x</a><script src="/static/live.js"></script>'
        '<script type="application/ld+json">{}</script>'
    )

    assert inline_script(hostile) == [
        "<script> without src", "img onerror=", "a href=javascript:"
    ]  # fmt: skip


def test_the_page_has_no_inline_script(client):
    entry = make_entry()
    make_update(entry, "<script>alert(1)</script>")
    make_update(entry, '[x](javascript:alert(1)) <img src=x onerror="alert(2)">')

    page = get_page(client, entry).content.decode()

    assert inline_script(page) == []


def test_the_page_loads_the_reader_script_deferred_and_it_is_at_most_8_05_kb_gzipped(client):
    page = get_page(client, make_entry()).content.decode()
    script = settings.BASE_DIR / "static" / "liveblog" / "live.js"

    assert '<script src="/static/liveblog/live.js" defer></script>' in page
    # 4 KB until issue 7 added the pinned update and key events, 5 KB until
    # issue 21 added listening to the stream (EventSource, its fallback to
    # polling and back), which took it to 5,616 bytes; 5,632 until issue 22
    # kept the entry's summary current (5,687 bytes); 5,700 until issue 22's
    # share control, relative times and "new since your last visit" (8,020
    # bytes: per update a button and an age, storage of what was seen); 8,050
    # until issue 23 took its texts from the page's catalog, plurals by
    # Intl.PluralRules (8,068).
    assert len(gzip.compress(script.read_bytes(), 9)) <= 8080
