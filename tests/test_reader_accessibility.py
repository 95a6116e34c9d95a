"""The reader script and the entry page in real Chromium, for every reader:
new updates announced to screen readers, counted in the title, a page that
works 320 pixels wide, a complete page without JavaScript, the order
control's state exposed, focus visible on every control, a skip link, and
one tab stop per photo (issue 20).
"""

import pytest

from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates.changes import PhotoUpload, post_update, post_updates
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_updates_are_announced_once_politely(reader):
    entry = make_entry()
    page = reader.open(entry)
    reader.record_announcements()

    # Posted in one transaction: they arrive with one poll.
    one, two = post_updates(entry, [LiveUpdate(content="One"), LiveUpdate(content="Two")])
    page.locator(f"#update-{two.pk}").wait_for()
    one.content = "One, corrected"
    one.save()  # an edit is no news
    page.locator(f"#update-{one.pk}", has_text="corrected").wait_for()
    reader.wait_for_polls(len(reader.polls) + 2)  # nor are polls that bring nothing

    assert reader.announcements() == ["2 new updates"]
    announcer = page.locator(".live-announcer")
    assert announcer.get_attribute("aria-live") == "polite"
    assert announcer.get_attribute("role") == "status"
    assert page.locator(".updates-empty").count() == 0


def test_the_title_counts_updates_that_arrive_while_the_reader_looks_away(reader):
    entry = make_entry(title="Cup final")
    page = reader.open(entry)
    page.evaluate("document.hasFocus = () => false")

    make_update(entry, "Goal")
    make_update(entry, "Another goal")
    page.wait_for_function("() => document.title === '(2) Cup final'")

    page.evaluate("delete document.hasFocus; window.dispatchEvent(new Event('focus'))")
    assert page.title() == "Cup final"


def test_the_page_is_usable_320_pixels_wide(new_reader):
    tab = new_reader(viewport={"width": 320, "height": 640})
    entry = make_entry(title="A rather long title for a narrow phone screen")
    make_update(entry, "A URL that is long: https://example.com/" + "segment/" * 20)
    page = tab.open(entry)

    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    toggle_box = page.get_by_role("button", name="Oldest first").bounding_box()
    assert toggle_box["x"] + toggle_box["width"] <= 320


def test_without_javascript_the_page_is_complete_but_not_live(new_reader):
    tab = new_reader(java_script_enabled=False)
    entry = make_entry()
    for n in range(4):
        make_update(entry, f"Update number {n}")
    make_update(entry, "Pinned and key", pinned=True, key_event=True)
    page = tab.open(entry)

    newest_first = list(LiveUpdate.objects.filter(entry=entry).in_page_order())[::-1]
    assert tab.update_ids() == [update.pk for update in newest_first]
    texts = page.eval_on_selector_all(
        "#updates > article.update .update-body", "nodes => nodes.map(n => n.innerText.trim())"
    )
    assert texts == [update.content for update in newest_first]
    assert page.locator(".pinned-slot", has_text="Pinned and key").is_visible()
    assert page.locator(".key-events li", has_text="Pinned and key").is_visible()
    # What only the script can make work is not offered.
    for control in (".order-toggle", ".new-updates", ".connection-status"):
        assert page.locator(control).is_hidden(), control


def test_the_order_control_tells_assistive_technology_which_order_is_shown(reader):
    entry = make_entry()
    ids = [make_update(entry, f"Update {n}").pk for n in range(3)]
    page = reader.open(entry)
    control = page.get_by_role("group", name="Order of updates")

    assert control.aria_snapshot() == (
        '- group "Order of updates":\n'
        '  - button "Newest first" [pressed]\n'
        '  - button "Oldest first"'
    )
    control.get_by_role("button", name="Oldest first").click()

    assert control.aria_snapshot() == (
        '- group "Order of updates":\n'
        '  - button "Newest first"\n'
        '  - button "Oldest first" [pressed]'
    )
    assert reader.update_ids() == ids


# Where the keyboard is, and how it shows: each stop of a walk with Tab.
FOCUSED = """() => {
  const node = document.activeElement;
  if (!node || node === document.body) return null;
  const style = getComputedStyle(node);
  const box = node.getBoundingClientRect();
  const figure = node.closest("figure");
  return {
    name: (node.innerText || node.querySelector("img")?.alt || "").trim().slice(0, 40),
    outline: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    shown: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight,
    figure: figure ? Array.from(document.querySelectorAll("figure")).indexOf(figure) : null,
  };
}"""


@pytest.mark.usefixtures("media_root")
def test_tabbing_through_the_whole_page_shows_focus_on_every_control_once_per_photo(
    new_reader, settings
):
    settings.LIVEBLOG_PAGE_SIZE = 3
    entry = make_entry(title="Keynote")
    for n in range(3):
        make_update(entry, f"Earlier {n}")
    make_update(entry, "Doors open", key_event=True, pinned=True)
    post_update(
        entry, "On stage", photos=[PhotoUpload(phone_jpeg(), "The stage", "Day one"),
                                   PhotoUpload(phone_jpeg(), "The crowd")],
    )  # fmt: skip
    newest = make_update(entry, "Questions")
    tab = new_reader(viewport={"width": 1280, "height": 800})
    page = tab.open(entry)
    page.get_by_role("button", name="Newest first").wait_for()

    stops = []
    for _ in range(100):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        stops.append(focused)

    names = [stop["name"] for stop in stops]
    assert names[0] == "Skip to the latest update"
    for expected in ("Liveblog", "Follow in a feed reader (Atom)", "Newest first",
                     "Oldest first", "Load earlier updates"):  # fmt: skip
        assert expected in names
    assert [stop for stop in stops if stop["outline"] != "solid" or stop["width"] < 3] == []
    assert all(stop["shown"] for stop in stops), stops
    photo_stops = [stop["figure"] for stop in stops if stop["figure"] is not None]
    assert sorted(photo_stops) == list(range(2))  # one each, and no more
    # The skip link leads to the newest update.
    page.keyboard.press("Shift+Tab")
    page.evaluate("() => document.querySelector('.skip-link').focus()")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == f"#update-{newest.pk}"
    assert 0 <= page.locator(f"#update-{newest.pk}").bounding_box()["y"] < 800
    assert tab.errors == []
