"""Sharing an update (issue 22, item 4) in real Chromium: each update's share
control offers its permalink through the browser's share sheet where there
is one, else copies it, saying so; without JavaScript its time is the link."""

from datetime import timedelta

import pytest

from tests.accessibility import assert_no_axe_violations
from tests.factories import make_entry
from tests.factories import make_update as make_any_update
from updates.models import now_to_the_second

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A browser with a share sheet, as phones have: what it was asked to share.
SHARE_SHEET = """
window.__shared = [];
navigator.share = (data) => {
  window.__shared.push(data);
  if (window.__refuse) return Promise.reject(new DOMException("Refused", window.__refuse));
  return Promise.resolve();
};
"""

# A browser (or a setting) that refuses the page the clipboard.
NO_CLIPBOARD = """
Object.defineProperty(navigator, "clipboard", { value: {
  writeText: () => Promise.reject(new DOMException("Denied", "NotAllowedError")),
} });
"""


def make_update(entry, content, **fields):
    """An update a minute after the entry's last: each time (and control's name) its own."""
    minutes = entry.updates.count()
    published = now_to_the_second() - timedelta(minutes=30 - minutes)
    return make_any_update(entry, content, published=published, **fields)


def permalink(live_server, entry, update) -> str:
    return live_server.url + update.permalink(entry.get_absolute_url())


def at(update) -> str:
    # As the page shows it: American English, the site's language (issue 23).
    return f"{update.published:%-I:%M %p}"


def selected_text(page) -> str:
    return page.evaluate("String(getSelection())")


def test_copy_link_copies_the_updates_permalink_and_says_so_without_moving_anything(
    new_reader, live_server
):
    tab = new_reader(permissions=["clipboard-read", "clipboard-write"])
    entry = make_entry()
    reading = make_update(entry, "A paragraph the reader has selected.")
    shared = make_update(entry, "Worth sharing.")
    page = tab.open(entry)
    tab.record_announcements()
    page.evaluate(
        """id => getSelection().selectAllChildren(document.querySelector('#update-' + id + ' p'))""",
        reading.pk,
    )
    scrolled = page.evaluate("scrollY")

    button = page.get_by_role("button", name=f"Copy link to the update of {at(shared)}")
    assert button.inner_text() == "Copy link"
    button.focus()
    page.keyboard.press("Enter")

    note = page.locator(f"#update-{shared.pk} .share-note")
    note.wait_for()
    assert note.inner_text() == "Link copied"
    assert page.evaluate("navigator.clipboard.readText()") == permalink(live_server, entry, shared)
    page.wait_for_function("() => window.__announced.includes('Link copied')")
    assert selected_text(page) == "A paragraph the reader has selected."
    assert page.evaluate("scrollY") == scrolled
    # The confirmation goes away by itself.
    note.wait_for(state="detached", timeout=6000)
    assert tab.errors == []


def test_where_the_browser_can_share_it_shares_the_permalink_titled_with_the_headline(
    reader, live_server
):
    reader.page.add_init_script(SHARE_SHEET)
    entry = make_entry(title="Keynote")
    plain = make_update(entry, "No headline here.")
    titled = make_update(entry, "Text.", headline="The keynote starts")
    page = reader.open(entry)

    page.get_by_role("button", name=f"Share the update of {at(titled)}").click()
    page.evaluate("window.__refuse = 'AbortError'")
    page.get_by_role("button", name=f"Share the update of {at(plain)}").click()

    page.wait_for_function("window.__shared.length === 2")
    assert page.evaluate("window.__shared") == [
        {"url": permalink(live_server, entry, titled), "title": "The keynote starts"},
        {"url": permalink(live_server, entry, plain), "title": page.title()},
    ]
    # Closing the share sheet is not an error: nothing is copied or shown.
    assert page.locator(".share-note, .share-link").count() == 0
    assert reader.errors == []


def test_a_share_sheet_that_fails_falls_back_to_copying_the_link(new_reader, live_server):
    tab = new_reader(permissions=["clipboard-read", "clipboard-write"])
    tab.page.add_init_script(SHARE_SHEET + "window.__refuse = 'NotAllowedError';")
    entry = make_entry()
    update = make_update(entry, "Worth sharing.")
    page = tab.open(entry)

    page.get_by_role("button", name=f"Share the update of {at(update)}").click()

    page.locator(f"#update-{update.pk} .share-note", has_text="Link copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == permalink(live_server, entry, update)


def test_a_refused_clipboard_shows_the_link_selected_to_copy_by_hand(reader, live_server):
    reader.page.add_init_script(NO_CLIPBOARD)
    entry = make_entry()
    update = make_update(entry, "Worth sharing.")
    page = reader.open(entry)

    page.get_by_role("button", name=f"Copy link to the update of {at(update)}").click()

    field = page.get_by_role("textbox", name=f"Link to the update of {at(update)}")
    field.wait_for()
    assert field.input_value() == permalink(live_server, entry, update)
    assert field.evaluate("node => node === document.activeElement")
    assert field.evaluate(
        "node => node.selectionStart === 0 && node.selectionEnd === node.value.length"
    )
    # With the share controls and ages beside every time.
    assert_no_axe_violations(page)


def test_updates_that_arrive_later_can_be_shared_too(reader):
    entry = make_entry()
    make_update(entry, "First.")
    page = reader.open(entry)

    later = make_any_update(entry, "Arrived while reading.", pinned=True)

    page.locator(f"#update-{later.pk} .update-share").wait_for()
    # Once in the stream, and once in the pinned copy at the top.
    assert page.get_by_role("button", name=f"Copy link to the update of {at(later)}").count() == 2
    assert page.locator(".update-share").count() == 3


def test_without_javascript_there_is_no_share_control_and_the_time_is_the_permalink(
    new_reader,
):
    tab = new_reader(java_script_enabled=False)
    entry = make_entry()
    update = make_update(entry, "Worth sharing.")
    page = tab.open(entry)

    assert page.locator(".update-share, .update-age").count() == 0
    time_link = page.get_by_role("link", name=at(update))
    assert time_link.get_attribute("href") == f"?update={update.pk}#update-{update.pk}"


def test_on_a_phone_the_share_control_is_a_fingers_size_and_nothing_overflows(new_reader):
    tab = new_reader(viewport={"width": 320, "height": 640}, has_touch=True, is_mobile=True)
    tab.page.add_init_script(NO_CLIPBOARD)
    entry = make_entry()
    update = make_update(entry, "Worth sharing.", headline="A headline that is long enough")
    page = tab.open(entry)

    button = page.get_by_role("button", name=f"Copy link to the update of {at(update)}")
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    button.tap()
    page.locator(".share-link").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
