"""Relative times (issue 22, item 6) in real Chromium: an update under an hour
old says how old beside its time ("3 min ago"), refreshed each minute on the
reader's clock; its absolute time stays, and nothing is announced."""

from datetime import timedelta

import pytest

from tests.browser import CLOCK_START
from tests.factories import make_entry, make_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page's clock stands at CLOCK_START + 1 s (Reader.pause_clock).
NOW = CLOCK_START + timedelta(seconds=1)


def age_of(page, update) -> str:
    return page.locator(f"#update-{update.pk} .update-age").inner_text()


def posted(entry, seconds_ago: int, content="Something happened."):
    return make_update(entry, content, published=NOW - timedelta(seconds=seconds_ago))


def test_an_update_under_an_hour_old_shows_its_age_beside_its_time_each_minute(reader):
    entry = make_entry()
    fresh, recent, ageing, old = (posted(entry, s) for s in (30, 3 * 60, 59 * 60 + 30, 2 * 3600))
    reader.pause_clock()
    page = reader.open(entry)

    assert [age_of(page, u) for u in (fresh, recent, ageing)] == [
        "just now", "3 min ago", "59 min ago"
    ]  # fmt: skip
    assert page.locator(f"#update-{old.pk} .update-age").is_hidden()
    page.clock.run_for(60_000)

    page.wait_for_function(
        "id => document.querySelector('#update-' + id + ' .update-age').textContent === '1 min ago'",
        arg=fresh.pk,
    )
    assert age_of(page, recent) == "4 min ago"
    # After an hour, the time alone.
    assert page.locator(f"#update-{ageing.pk} .update-age").is_hidden()
    # The absolute time stays, as text, in <time datetime> and on hover.
    time = page.locator(f"#update-{recent.pk} .update-permalink time")
    # American English, the site's language (issue 23).
    assert time.inner_text() == f"{recent.published:%-I:%M %p}"
    assert time.get_attribute("datetime") == recent.published.isoformat()
    assert page.locator(f"#update-{recent.pk} .update-age").get_attribute("title") == (
        f"{recent.published:%-I:%M %p}"
    )


def test_an_update_that_arrives_later_shows_its_age_and_keeps_it_current(reader):
    entry = make_entry()
    posted(entry, 600)
    reader.pause_clock()
    page = reader.open(entry)

    later = posted(entry, 0, "Arrived while reading.")
    reader.advance_until(lambda polls: page.locator(f"#update-{later.pk}").count(), 5_000)
    assert age_of(page, later) == "just now"
    page.clock.run_for(2 * 60_000)

    page.wait_for_function(
        "id => document.querySelector('#update-' + id + ' .update-age').textContent === '2 min ago'",
        arg=later.pk,
    )


def test_a_readers_clock_behind_the_servers_says_just_now_not_a_time_to_come(reader):
    entry = make_entry()
    ahead = posted(entry, -5 * 60)
    reader.pause_clock()
    page = reader.open(entry)

    assert age_of(page, ahead) == "just now"


def test_ages_changing_are_not_announced_and_leave_the_readers_selection_alone(reader):
    entry = make_entry()
    update = posted(entry, 90, "A paragraph the reader has selected.")
    reader.pause_clock()
    page = reader.open(entry)
    reader.record_announcements()
    page.evaluate(
        "id => getSelection().selectAllChildren(document.querySelector('#update-' + id))",
        update.pk,
    )
    selected = page.evaluate("String(getSelection())")
    assert "1 min ago" in selected

    page.clock.run_for(60_000)
    page.wait_for_function(
        "id => document.querySelector('#update-' + id + ' .update-age').textContent === '2 min ago'",
        arg=update.pk,
    )

    assert page.evaluate("String(getSelection())") == selected.replace("1 min ago", "2 min ago")
    assert reader.announcements() == []


def test_without_javascript_the_time_alone_is_shown(new_reader):
    tab = new_reader(java_script_enabled=False)
    entry = make_entry()
    update = make_update(entry, "Just posted.")
    page = tab.open(entry)

    assert page.locator(".update-age").count() == 0
    assert (
        page.locator(f"#update-{update.pk} time").inner_text()
        == f"{update.published:%-I:%M %p}"  # American English (issue 23)
    )
