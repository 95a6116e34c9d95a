"""The reader script and the entry page in real Chromium, for every reader:
new updates announced to screen readers, counted in the title, a page that
works 320 pixels wide, and a complete page without JavaScript.
"""

import pytest

from tests.factories import make_entry, make_update
from updates.changes import post_updates
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
