"""The reader script in real Chromium: when it polls and when it stops. It
backs off while the server fails, does not poll from a hidden tab, polls
once a minute once the entry has ended, and stops once it is gone.
"""

from itertools import pairwise

import pytest

from entries.models import Entry
from tests.factories import make_entry, make_update
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_server_error_shows_reconnecting_then_catches_up_without_duplicates(reader, monkeypatch):
    entry = make_entry()
    make_update(entry, "Before the outage")
    page = reader.open(entry)

    def fail(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("updates.models.LiveUpdateQuerySet.changes_since", fail)
    during = make_update(entry, "Posted during the outage")
    status = page.locator(".connection-status", has_text="Reconnecting")
    status.wait_for()
    reader.wait_for_polls(len(reader.polls) + 1)
    monkeypatch.undo()
    after = make_update(entry, "Posted after recovery")

    page.locator(f"#update-{after.pk}").wait_for()
    page.locator(f"#update-{during.pk}").wait_for()
    status.wait_for(state="hidden")
    ids = reader.update_ids()
    assert sorted(ids) == sorted(set(ids))
    assert ids[::-1] == list(
        LiveUpdate.objects.filter(entry=entry).in_page_order().values_list("pk", flat=True)
    )


def failing(*args, **kwargs):
    raise RuntimeError("database on fire")


def waits(log: list[dict]) -> list[int]:
    """How long the page waited after each failed poll before the next, in
    its clock (ms): a failure schedules the next poll the moment it arrives."""
    return [later["sent"] - earlier["answered"] for earlier, later in pairwise(log)]


def within_jitter(waited: int, seconds: float) -> bool:
    # Waits are spread ±20 % so that readers failed together do not return together.
    return 0.8 * seconds * 1000 <= waited <= 1.2 * seconds * 1000


def test_while_the_server_fails_retries_back_off_exponentially_up_to_a_minute(reader, monkeypatch):
    monkeypatch.setattr("updates.models.LiveUpdateQuerySet.changes_since", failing)
    entry = make_entry()
    reader.pause_clock()
    page = reader.open(entry)

    reader.advance_until(lambda log: len(log) == 10, limit_ms=400_000, step=500)

    log = reader.poll_log()
    assert [poll["outcome"] for poll in log] == ["500"] * 10
    # Poll interval 1 s here: each failure doubles the wait, up to a minute.
    assert all(map(within_jitter, waits(log), [1, 2, 4, 8, 16, 32, 60, 60, 60])), waits(log)
    assert page.locator(".connection-status", has_text="Reconnecting").is_visible()


def test_a_tab_shown_again_while_the_server_fails_keeps_backing_off(reader, monkeypatch):
    monkeypatch.setattr("updates.models.LiveUpdateQuerySet.changes_since", failing)
    entry = make_entry()
    reader.pause_clock()
    page = reader.open(entry)
    reader.advance_until(lambda log: len(log) == 4, limit_ms=30_000)  # waits of 1, 2 and 4 s

    reader.set_hidden(True)
    reader.advance(60_000, step=1000)
    assert len(reader.poll_log()) == 4
    # A reader flicking between tabs: no return brings a poll at once.
    for _ in range(5):
        reader.set_hidden(False)
        reader.advance(250)
        reader.set_hidden(True)
    assert len(reader.poll_log()) == 4
    reader.set_hidden(False)
    shown = reader.now()
    reader.advance_until(lambda log: len(log) == 6, limit_ms=60_000)

    log = reader.poll_log()
    # The wait after a fourth failure (8 s) counts from the return; the
    # next failure doubles it as before.
    assert within_jitter(log[4]["sent"] - shown, 8)
    assert within_jitter(waits(log)[4], 16)
    monkeypatch.undo()
    reader.advance_until(lambda log: log[-1]["outcome"] == "200", limit_ms=60_000)
    reader.advance_until(lambda log: len(log) == 8, limit_ms=5_000)
    log = reader.poll_log()
    # Once an answer comes, polls are back to the poll interval, no jitter.
    assert log[7]["sent"] - log[6]["settled"] == 1000
    assert page.locator(".connection-status").is_hidden()


def test_a_poll_without_an_answer_is_given_up_after_15_seconds_as_a_failure(reader):
    entry = make_entry()
    reader.pause_clock()
    reader.hold_polls()
    page = reader.open(entry)
    reader.advance_until(lambda log: len(log) == 1, limit_ms=5_000)
    sent = reader.poll_log()[0]["sent"]
    status = page.locator(".connection-status", has_text="Reconnecting")

    reader.advance(sent + 14_900 - reader.now(), step=100)
    assert reader.poll_log()[0]["outcome"] == "pending"
    assert status.is_hidden()
    reader.advance(200, step=100)
    first = reader.poll_log()[0]
    assert (first["outcome"], first["answered"] - sent) == ("AbortError", 15_000)
    assert status.is_visible()

    reader.advance_until(lambda log: len(log) == 3, limit_ms=40_000)
    log = reader.poll_log()
    # Each silent poll counts as a failure: 1 s, then 2 s before the next.
    assert log[1]["answered"] - log[1]["sent"] == 15_000
    assert within_jitter(waits(log)[0], 1)
    assert within_jitter(waits(log)[1], 2)


def test_a_hidden_tab_does_not_poll_and_catches_up_at_once_when_shown(reader):
    entry = make_entry()
    reader.pause_clock()
    page = reader.open(entry)
    reader.advance_until(lambda log: len(log) == 1, limit_ms=5_000)

    reader.set_hidden(True)
    update = make_update(entry, "While you were away")
    reader.advance(10 * 60_000, step=10_000)
    assert len(reader.poll_log()) == 1
    reader.set_hidden(False)
    shown = reader.now()
    reader.wait_for_answers()

    assert [poll["sent"] for poll in reader.poll_log()[1:]] == [shown]
    # That poll is revalidated (max-age=0): the update arrives with it.
    assert page.locator(f"#update-{update.pk}").is_visible()


def test_once_the_entry_has_ended_the_page_polls_once_a_minute(reader):
    entry = make_entry()
    reader.pause_clock()
    page = reader.open(entry)
    reader.advance_until(lambda log: len(log) == 1, limit_ms=5_000)

    entry.end()
    reader.advance_until(lambda log: len(log) == 2, limit_ms=5_000)
    assert page.locator(".badge-ended").is_visible()
    reader.advance(10 * 60_000, step=10_000)

    log = reader.poll_log()
    assert len(log) == 12
    assert [later["sent"] - earlier["settled"] for earlier, later in pairwise(log[1:])] == [
        60_000
    ] * 10
    assert page.locator(".badge-live").is_hidden()


def test_a_reader_far_behind_when_the_entry_ends_still_gets_every_update(reader, settings):
    settings.LIVEBLOG_POLL_BATCH = 2
    entry = make_entry()
    page = reader.open(entry)
    reader.wait_for_polls(1)
    reader.set_hidden(True)

    late = [make_update(entry, f"Final minutes {n}") for n in range(5)]
    entry.end()
    reader.set_hidden(False)

    page.locator(".badge-ended").wait_for()
    # The status shows with the first batch; the rest follow at once.
    page.locator(f"#update-{late[-1].pk}").wait_for()
    assert reader.update_ids() == [update.pk for update in late[::-1]]


def test_a_page_opened_after_the_end_polls_once_a_minute(reader):
    entry = make_entry(status=Entry.Status.ENDED)
    ids = [make_update(entry, f"Line {n}").pk for n in range(3)]
    reader.pause_clock()
    page = reader.open(entry)
    toggle = page.get_by_role("button", name="Newest first")

    # The script ran: the order toggle is its own (hidden without it).
    assert toggle.is_visible()
    assert reader.update_ids() == ids
    reader.advance(10 * 60_000, step=10_000)
    assert len(reader.poll_log()) == 10
    reader.set_hidden(True)
    reader.set_hidden(False)  # a reader coming back to the tab: at once
    reader.wait_for_answers()
    assert len(reader.poll_log()) == 11
    reader.advance(60_000, step=10_000)
    toggle.click()

    assert reader.update_ids() == ids[::-1]
    assert len(reader.poll_log()) == 12
    assert reader.errors == []


def test_an_unpublished_entry_stops_polling_with_a_message(reader):
    entry = make_entry()
    reader.pause_clock()
    page = reader.open(entry)

    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.DRAFT)
    reader.advance_until(lambda log: len(log) == 1, limit_ms=5_000)
    assert page.get_by_text("This live blog is no longer available.").is_visible()
    reader.advance(10 * 60_000, step=10_000)
    reader.set_hidden(True)
    reader.set_hidden(False)  # a reader coming back to the tab
    reader.advance(60_000, step=10_000)

    assert len(reader.poll_log()) == 1
