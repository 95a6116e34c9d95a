"""An update's permalink in real Chromium: it scrolls to the update and
highlights it briefly, and works at any age (issue 20): a permalink, a bare
anchor from an old share, and a key event lead to an update that is not
among the latest, with or without JavaScript."""

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


def open_permalink(browser, live_server, entry, update, query=False, **options):
    reader = Reader(browser, live_server, viewport={"width": 800, "height": 600}, **options)
    page = reader.page
    address = f"?update={update.pk}#update-{update.pk}" if query else f"#update-{update.pk}"
    page.goto(live_server.url + entry.get_absolute_url() + address)
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


@pytest.fixture
def entry_with_250_updates(settings):
    settings.LIVEBLOG_PAGE_SIZE = 200
    entry = make_entry(slug="keynote")
    updates = post_updates(
        entry,
        [
            LiveUpdate(
                content=f"Update {n}\n\nSome text to read.",
                published=START + timedelta(minutes=n),
                key_event=n in (0, 240),
            )
            for n in range(250)
        ],
    )
    return entry, updates


def in_view(locator, height: int = 600) -> bool:
    box = locator.bounding_box()
    return box is not None and -1 <= box["y"] < height


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without"])
def test_a_permalink_to_update_1_of_250_shows_it(
    browser, live_server, entry_with_250_updates, javascript
):
    entry, updates = entry_with_250_updates
    first = updates[0]
    reader, target = open_permalink(
        browser, live_server, entry, first, query=True, java_script_enabled=javascript
    )

    assert in_view(target)
    assert target.evaluate("node => node.matches(':target')")
    assert target.inner_text().startswith("9:00 AM")  # American English (issue 23)
    reader.page.get_by_role("link", name="Newer updates").click()
    reader.page.wait_for_url(f"**?update={updates[199].pk}#update-{updates[199].pk}")
    # That one is among the latest 200: the latest page, live.
    assert reader.page.locator(f"#update-{updates[249].pk}").count() == 1
    assert in_view(reader.page.locator(f"#update-{updates[199].pk}"))
    assert reader.errors == []
    reader.context.close()


def test_a_bare_anchor_to_an_old_update_from_an_old_share_loads_its_page(
    browser, live_server, entry_with_250_updates
):
    entry, updates = entry_with_250_updates
    reader, target = open_permalink(browser, live_server, entry, updates[0])
    reader.page.wait_for_url(f"**?update={updates[0].pk}#update-{updates[0].pk}")
    target.wait_for()

    assert in_view(target)
    assert target.evaluate("node => node.matches(':target')")
    reader.context.close()


def test_a_key_event_link_to_an_old_update_brings_it_into_view(
    browser, live_server, entry_with_250_updates
):
    entry, updates = entry_with_250_updates
    reader = Reader(browser, live_server, viewport={"width": 800, "height": 600})
    page = reader.open(entry)
    assert page.locator(f"#update-{updates[0].pk}").count() == 0

    page.locator(".key-events a", has_text="Update 0").click()
    target = page.locator(f"#update-{updates[0].pk}")
    target.wait_for()

    assert in_view(target)
    assert target.evaluate("node => node.matches(':target')")
    assert reader.errors == []
    reader.context.close()


def test_a_key_event_link_to_a_loaded_update_scrolls_to_it_and_offers_its_permalink(
    browser, live_server, entry_with_250_updates
):
    entry, updates = entry_with_250_updates
    reader = Reader(browser, live_server, viewport={"width": 800, "height": 600})
    page = reader.open(entry)
    page.evaluate("window.notReloaded = true")

    page.locator(".key-events a", has_text="Update 240").click()
    target = page.locator(f"#update-{updates[240].pk}")

    assert in_view(target)
    assert target.evaluate("node => node.matches(':target')")
    assert page.evaluate("window.notReloaded") is True
    assert page.url.endswith(f"/entries/keynote/?update={updates[240].pk}#update-{updates[240].pk}")
    assert reader.errors == []
    reader.context.close()
