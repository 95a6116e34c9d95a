"""An update's permalink in real Chromium: it scrolls to the update and highlights it briefly."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser import Reader
from tests.factories import make_entry
from updates.changes import post_updates
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def entry_with_a_long_page():
    entry = make_entry(slug="keynote")
    updates = post_updates(
        entry,
        [
            LiveUpdate(
                content=f"Update {n}\n\nSome text to read.", published=START + timedelta(minutes=n)
            )
            for n in range(60)
        ],
    )
    return entry, updates[10]  # far down the page, newest first


def open_permalink(browser, live_server, entry, update, **options):
    reader = Reader(browser, live_server, viewport={"width": 800, "height": 600}, **options)
    page = reader.page
    page.goto(live_server.url + entry.get_absolute_url() + f"#update-{update.pk}")
    page.wait_for_load_state("load")
    return reader, page.locator(f"#update-{update.pk}")


def test_a_permalink_scrolls_to_its_update_and_it_glows_then_fades(
    browser, live_server, entry_with_a_long_page
):
    entry, update = entry_with_a_long_page
    reader, target = open_permalink(browser, live_server, entry, update)

    box = target.bounding_box()
    assert -1 <= box["y"] < 600  # in view (sub-pixel rounding aside)
    assert target.evaluate("node => node.matches(':target')")
    assert target.evaluate("node => getComputedStyle(node).animationName") == "update-highlight"
    reader.page.wait_for_timeout(800)
    glowing = target.evaluate("node => getComputedStyle(node).backgroundColor")
    reader.page.wait_for_timeout(2500)
    faded = target.evaluate("node => getComputedStyle(node).backgroundColor")
    assert glowing not in ("rgba(0, 0, 0, 0)", "transparent")
    assert faded == "rgba(0, 0, 0, 0)"
    assert reader.errors == []
    reader.context.close()


def test_with_reduced_motion_the_update_is_outlined_without_animation(
    browser, live_server, entry_with_a_long_page
):
    entry, update = entry_with_a_long_page
    reader, target = open_permalink(browser, live_server, entry, update, reduced_motion="reduce")

    assert -1 <= target.bounding_box()["y"] < 600
    style = target.evaluate(
        "node => { const s = getComputedStyle(node); return [s.animationName, s.outlineStyle]; }"
    )
    assert style == ["none", "solid"]
    reader.context.close()
