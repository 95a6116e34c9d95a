"""New since your last visit (issue 22, item 5) in real Chromium: the reader
script remembers, per entry, the newest update a reader was shown; on their
return it counts what was added since, links to the first of it, and marks
the boundary with a divider, in either order. Edits, imports of older
updates and updates arriving while reading are not "new since your visit"."""

from datetime import UTC, datetime, timedelta

import pytest

from entries.models import Entry
from tests.accessibility import assert_no_axe_violations
from tests.factories import make_entry
from updates.changes import edit_update, post_updates, set_flags
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

# A browser where this site may keep nothing (a setting, a private window).
NO_STORAGE = """
Object.defineProperty(window, "localStorage", {
  get() { throw new DOMException("Denied", "SecurityError"); },
});
"""


def post(entry, minutes) -> list[int]:
    """Updates at these minutes past START, oldest first: their ids."""
    updates = post_updates(
        entry,
        [
            LiveUpdate(
                content=f"Minute {m}\n\n" + "Commentary. " * 40,
                published=START + timedelta(minutes=m),
            )
            for m in minutes
        ],
    )
    return [update.pk for update in updates]


def leave(reader):
    """The reader goes elsewhere (the page is hidden, then unloaded)."""
    reader.page.goto("about:blank")


def news(page) -> str | None:
    box = page.locator(".visit-news")
    return box.inner_text() if box.count() and box.is_visible() else None


def beside_divider(page) -> list[int | None]:
    """The ids of the updates just above and just below the divider."""
    return page.evaluate(
        """() => {
            const divider = document.querySelector("#updates > .visit-divider");
            if (!divider) return null;
            const id = (node) => node && node.matches("article") ? Number(node.dataset.id) : null;
            return [id(divider.previousElementSibling), id(divider.nextElementSibling)];
        }"""
    )


def test_on_return_the_new_updates_are_counted_marked_and_one_link_away(reader):
    entry = make_entry()
    seen = post(entry, [0, 1, 2])
    page = reader.open(entry)
    # The first visit marks nothing.
    assert news(page) is None and beside_divider(page) is None
    leave(reader)

    added = post(entry, [3, 4, 5])
    page = reader.open(entry)

    assert news(page) == "3 new updates since your last visit. Jump to the first new update"
    assert page.locator(".visit-divider").inner_text() == "New since your last visit"
    # Newest first: below the last new one, above what was seen.
    assert beside_divider(page) == [added[0], seen[-1]]
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Jump to the first new update").click()
    assert page.evaluate("document.activeElement.id") == f"update-{added[0]}"
    # Scrolled to its top (to the pixel: the page's lines are fractional).
    assert -1 < page.locator(f"#update-{added[0]}").bounding_box()["y"] < 1
    # Oldest first: above the first new one, below what was seen.
    page.get_by_role("button", name="Oldest first").click()
    assert beside_divider(page) == [seen[-1], added[0]]

    page.reload()
    assert news(page) is None and beside_divider(page) is None
    assert reader.errors == []


def test_oldest_first_the_divider_comes_before_the_first_new_update(reader):
    entry = make_entry(status=Entry.Status.ENDED)
    seen = post(entry, [0, 1])
    reader.open(entry)
    leave(reader)
    added = post(entry, [2, 3])

    page = reader.open(entry)

    assert reader.update_ids() == seen + added
    assert beside_divider(page) == [seen[-1], added[0]]
    assert news(page).startswith("2 new updates since your last visit.")


def test_an_edited_pinned_or_imported_older_update_is_not_new_and_one_new_is_singular(reader):
    entry = make_entry()
    seen = post(entry, [10, 11, 12])
    reader.open(entry)
    leave(reader)
    old = LiveUpdate.objects.get(pk=seen[0])
    edit_update(old, "Minute 10, corrected")
    set_flags(LiveUpdate.objects.get(pk=seen[1]), pinned=True, key_event=True)
    imported = post(entry, [5])
    added = post(entry, [13])

    page = reader.open(entry)

    assert news(page).startswith("1 new update since your last visit.")
    assert beside_divider(page) == [added[0], seen[-1]]
    assert page.locator(f"#update-{imported[0]}").is_visible()


def test_updates_arriving_while_reading_are_not_new_since_the_visit_but_count_as_seen(reader):
    entry = make_entry()
    seen = post(entry, [0])
    reader.open(entry)
    leave(reader)
    added = post(entry, [1])
    page = reader.open(entry)

    live = post(entry, [2])
    page.locator(f"#update-{live[0]}").wait_for()

    assert news(page).startswith("1 new update since your last visit.")
    assert beside_divider(page) == [added[0], seen[0]]
    # A reader on the link keeps it while updates come and go.
    page.get_by_role("link", name="Jump to the first new update").focus()
    LiveUpdate.objects.get(pk=live[0]).delete()
    page.locator(f"#update-{live[0]}").wait_for(state="detached")
    assert page.evaluate("document.activeElement.textContent") == "Jump to the first new update"
    leave(reader)
    page = reader.open(entry)
    assert news(page) is None and beside_divider(page) is None


def returning_to_seven_new_on_pages_of_three(reader, settings):
    settings.LIVEBLOG_PAGE_SIZE = 3
    entry = make_entry()
    seen = post(entry, [0, 1, 2])
    reader.open(entry)
    leave(reader)
    added = post(entry, range(3, 10))
    return reader.open(entry), seen, added


def test_when_the_first_new_update_is_on_an_earlier_page_it_says_at_least_and_loading_finds_it(
    reader, settings
):
    page, seen, added = returning_to_seven_new_on_pages_of_three(reader, settings)

    assert news(page) == (
        "At least 3 new updates since your last visit. Jump to the first new update"
    )
    assert beside_divider(page) is None
    page.get_by_role("link", name="Load earlier updates").click()
    page.wait_for_function("() => document.querySelectorAll('#updates > article').length === 6")
    page.get_by_role("link", name="Load earlier updates").click()
    page.wait_for_function("() => document.querySelectorAll('#updates > article').length === 9")

    assert news(page).startswith("7 new updates since your last visit.")
    assert beside_divider(page) == [added[0], seen[-1]]


def test_when_the_first_new_update_is_on_an_earlier_page_the_link_opens_that_page(reader, settings):
    page, seen, added = returning_to_seven_new_on_pages_of_three(reader, settings)

    page.get_by_role("link", name="Jump to the first new update").click()

    # The page holding the last update seen, the first new one beside it.
    page.wait_for_url(f"**/?update={seen[-1]}#update-{seen[-1]}")
    page.locator(".visit-divider").wait_for()
    assert beside_divider(page) == [added[0], seen[-1]]
    first = page.locator(f"#update-{added[0]}").bounding_box()
    assert first["y"] + first["height"] > 0 and first["y"] < 720


def test_without_storage_the_page_works_and_marks_nothing(reader):
    reader.page.add_init_script(NO_STORAGE)
    entry = make_entry()
    post(entry, [0])
    reader.open(entry)
    leave(reader)
    post(entry, [1])

    page = reader.open(entry)
    live = post(entry, [2])

    page.locator(f"#update-{live[0]}").wait_for()
    assert news(page) is None and beside_divider(page) is None
    assert page.locator(".update-share").count() == 3
    assert reader.errors == []


def test_only_the_last_50_entries_read_are_remembered(reader, live_server):
    entry = make_entry()
    post(entry, [0])
    reader.page.goto(live_server.url + "/")
    reader.page.evaluate(
        """() => {
            const visits = {};
            for (let n = 0; n < 60; n++) visits["/entries/read-long-ago-" + n + "/"] = [0, 1, n];
            localStorage.setItem("liveblog.visits", JSON.stringify(visits));
        }"""
    )
    reader.open(entry)
    leave(reader)

    reader.page.goto(live_server.url + "/")
    kept = reader.page.evaluate("Object.keys(JSON.parse(localStorage.getItem('liveblog.visits')))")
    assert len(kept) == 50
    assert entry.get_absolute_url() in kept
    assert "/entries/read-long-ago-59/" in kept and "/entries/read-long-ago-10/" not in kept
