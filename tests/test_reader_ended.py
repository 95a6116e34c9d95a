"""An ended entry in real Chromium (issue 20): a page open when coverage ends
turns into what a fresh load shows, keeps polling rarely and so picks up a
reopening, and a correction after the end reaches a new tab without a hard
reload (browsers revalidate an ended entry's answers as they do a live one's).
"""

import pytest

from entries.models import Entry
from tests.factories import make_entry, make_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a page says about the entry, with each update's HTML by id (a reader's
# chosen order aside): what the open page and a fresh load must agree on.
STATE = """() => ({
  status: document.querySelector(".entry-status").outerHTML,
  listStatus: document.getElementById("updates").dataset.status,
  updates: Object.fromEntries(Array.from(document.querySelectorAll("#updates > article.update"),
                                         (node) => [node.id, node.outerHTML])),
  keyEvents: document.querySelector(".key-events").outerHTML,
  pinned: document.querySelector(".pinned-slot").outerHTML,
})"""


def test_the_open_page_at_the_end_matches_a_fresh_load(new_reader):
    entry = make_entry(title="Cup final")
    make_update(entry, "Kick-off", key_event=True)
    make_update(entry, "Half time", pinned=True)
    open_tab = new_reader()
    page = open_tab.open(entry)
    open_tab.wait_for_polls(1)

    make_update(entry, "Full time")
    entry.end()
    page.locator(".badge-ended").wait_for()
    page.get_by_text("Full time").wait_for()
    fresh = new_reader().open(entry)

    assert page.evaluate(STATE) == fresh.evaluate(STATE)
    assert page.locator(".entry-status").inner_text() == "ENDED"
    assert page.locator(".badge-live").is_hidden()
    assert open_tab.errors == []


def test_a_page_showing_ended_picks_up_a_reopening_within_a_minute(reader):
    entry = make_entry(status=Entry.Status.ENDED)
    make_update(entry, "We thought it was over")
    reader.pause_clock()
    page = reader.open(entry)
    reader.record_announcements()
    assert page.locator(".badge-ended").is_visible()

    entry.go_live()
    reader.advance_until(lambda log: len(log) == 1, limit_ms=61_000, step=1_000)
    page.locator(".badge-live").wait_for()
    later = make_update(entry, "Extra time!")
    # Live again: the usual interval (a second in these tests).
    reader.advance_until(lambda log: len(log) == 2, limit_ms=2_000)

    assert page.locator(f"#update-{later.pk}").is_visible()
    assert page.locator(".badge-ended").is_hidden()
    assert "This live blog is live again" in reader.announcements()
    assert reader.errors == []


def test_a_correction_after_the_end_is_seen_in_a_new_tab_without_a_hard_reload(reader):
    entry = make_entry()
    final = make_update(entry, "Final score: 2-1")
    entry.end()
    reader.open(entry).get_by_text("Final score: 2-1").wait_for()

    final.content = "Final score: 2-2 (corrected)"
    final.save()
    new_tab = reader.context.new_page()
    responses = []
    new_tab.on("response", lambda response: responses.append(response))
    new_tab.goto(reader.live_server.url + entry.get_absolute_url())

    assert new_tab.get_by_text("Final score: 2-2 (corrected)").is_visible()
    page_response = next(r for r in responses if r.url.endswith(entry.get_absolute_url()))
    assert not page_response.from_service_worker
    assert page_response.status == 200
