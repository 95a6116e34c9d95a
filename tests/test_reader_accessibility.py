"""The reader script and the entry page in real Chromium, for every reader:
new updates announced to screen readers, counted in the title, a page that
works 320 pixels wide, and a complete page without JavaScript.
"""

import pytest

from tests.factories import make_entry, make_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_updates_are_announced_once_politely(reader):
    entry = make_entry()
    page = reader.open(entry)

    make_update(entry, "One")
    make_update(entry, "Two")

    announcer = page.locator(".live-announcer")
    announcer.filter(has_text="2 new updates").wait_for(state="attached")
    assert announcer.get_attribute("aria-live") == "polite"
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
    toggle_box = page.get_by_role("button", name="Newest first").bounding_box()
    assert toggle_box["x"] + toggle_box["width"] <= 320


def test_without_javascript_the_page_is_complete_but_not_live(new_reader):
    tab = new_reader(java_script_enabled=False)
    entry = make_entry()
    update = make_update(entry, "Already here")
    page = tab.open(entry)

    assert "Already here" in page.locator(f"#update-{update.pk}").inner_text()
    assert page.locator(".order-toggle").is_hidden()
    assert tab.polls == []
