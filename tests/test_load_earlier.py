"""Long entries in real Chromium: "Load earlier updates" fetches the next
older page in place, in either order, without moving what the reader looks
at; without JavaScript it is a plain link to that page."""

from datetime import UTC, datetime, timedelta

import pytest

from entries.models import Entry
from tests.factories import make_entry
from updates.changes import post_updates
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_SIZE = 5
START = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def reader(reader, settings):
    settings.LIVEBLOG_PAGE_SIZE = PAGE_SIZE
    return reader


def long_entry(count: int, **fields) -> tuple[Entry, list[int]]:
    """An entry whose updates fill several screens; their ids, oldest first."""
    entry = make_entry(**fields)
    text = "A long paragraph of commentary on what just happened. " * 12
    updates = post_updates(
        entry,
        [
            LiveUpdate(content=f"Minute {n}\n\n{text}", published=START + timedelta(minutes=n))
            for n in range(count)
        ],
    )
    return entry, [update.pk for update in updates]


def select_paragraph(page, update_id: int) -> None:
    page.evaluate(
        """id => {
            const node = document.querySelector('#update-' + id + ' p');
            const range = document.createRange();
            range.selectNodeContents(node);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        update_id,
    )


def top_of(page, update_id: int) -> float:
    return page.locator(f"#update-{update_id}").bounding_box()["y"]


def test_newest_first_earlier_updates_load_below_and_nothing_moves(reader):
    entry, ids = long_entry(12)
    page = reader.open(entry)
    page.evaluate("window.notReloaded = true")
    assert reader.update_ids() == ids[:-6:-1]
    link = page.get_by_role("link", name="Load earlier updates")
    link.scroll_into_view_if_needed()
    reading = ids[-5]  # the last update shown, just above the link
    select_paragraph(page, reading)
    top_before = top_of(page, reading)

    link.click()
    page.wait_for_function("() => document.querySelectorAll('#updates > article').length === 10")

    assert reader.update_ids() == ids[:-11:-1]
    assert top_of(page, reading) == pytest.approx(top_before, abs=1)
    assert page.evaluate("getSelection().toString()").startswith("Minute 7")
    link.click()
    page.wait_for_function("() => document.querySelectorAll('#updates > article').length === 12")
    assert reader.update_ids() == ids[::-1]
    assert link.count() == 0
    assert page.evaluate("window.notReloaded") is True
    assert reader.errors == []


def test_oldest_first_earlier_updates_load_above_without_shifting_the_text(reader):
    entry, ids = long_entry(12, status=Entry.Status.ENDED)
    page = reader.open(entry)
    page.evaluate("window.notReloaded = true")
    assert reader.update_ids() == ids[7:]
    link = page.get_by_role("link", name="Load earlier updates")
    link.scroll_into_view_if_needed()
    reading = ids[7]
    select_paragraph(page, reading)
    top_before = top_of(page, reading)

    link.click()
    page.wait_for_function("() => document.querySelectorAll('#updates > article').length === 10")

    assert reader.update_ids() == ids[2:]
    assert top_of(page, reading) == pytest.approx(top_before, abs=1)
    assert page.evaluate("getSelection().toString()").startswith("Minute 7")
    # The link moved up with the list's start: still above the earliest loaded.
    link_box = link.bounding_box()
    assert link_box["y"] < top_of(page, ids[2])
    assert page.evaluate("window.notReloaded") is True
    assert reader.errors == []


def test_the_order_toggle_moves_the_link_to_where_earlier_updates_go(reader):
    entry, ids = long_entry(8)
    page = reader.open(entry)
    link = page.get_by_role("link", name="Load earlier updates")
    assert link.bounding_box()["y"] > top_of(page, ids[-PAGE_SIZE])

    page.get_by_role("button", name="Oldest first").click()
    link.click()
    page.wait_for_function("() => document.querySelectorAll('#updates > article').length === 8")

    assert link.count() == 0
    assert reader.update_ids() == ids


def test_without_javascript_the_link_opens_the_older_page(new_reader, settings):
    settings.LIVEBLOG_PAGE_SIZE = PAGE_SIZE
    tab = new_reader(java_script_enabled=False)
    entry, ids = long_entry(7)
    page = tab.open(entry)

    page.get_by_role("link", name="Load earlier updates").click()
    page.wait_for_url("**?before=*")

    assert tab.update_ids() == ids[1::-1]
    assert page.get_by_role("link", name="Back to the latest updates").count() == 1


def test_an_old_update_edited_meanwhile_waits_for_its_page_and_shows_the_edit(reader):
    entry, ids = long_entry(8)
    page = reader.open(entry)
    polls = len(reader.polls)

    old = LiveUpdate.objects.get(pk=ids[1])
    old.content = "Minute 1, corrected"
    old.save()
    reader.wait_for_polls(polls + 1)
    # The page asks from the edit's revision once it has applied the answer
    # that brought the edit.
    page.wait_for_function(
        "revision => window.__polls.some(poll => poll.since >= revision)", arg=old.revision
    )
    assert reader.update_ids() == ids[:-6:-1]  # not placed apart from its page

    page.get_by_role("link", name="Load earlier updates").click()
    page.wait_for_function("() => document.querySelectorAll('#updates > article').length === 8")

    assert reader.update_ids() == ids[::-1]
    assert "Minute 1, corrected" in page.locator(f"#update-{ids[1]}").inner_text()
