"""The reader script in real Chromium: when it polls and when it stops. It
backs off while the server fails, does not poll from a hidden tab, and
stops once the entry has ended or is gone.
"""

import time

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

    monkeypatch.setattr("updates.views.changes_since", fail)
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


def test_while_the_server_fails_retries_back_off_exponentially(reader, monkeypatch):
    entry = make_entry()
    page = reader.open(entry)
    failures = []
    page.on(
        "response",
        lambda r: "updates.json" in r.url and r.status == 500 and failures.append(time.monotonic()),
    )

    monkeypatch.setattr("updates.views.changes_since", lambda *a, **k: 1 / 0)
    # The browser revalidates its copy (max-age=0) each time it asks again.
    deadline = time.monotonic() + 40
    while len(failures) < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(100)

    # Poll interval 1 s here: retries after about 1, 2, then 4 s (±20 %).
    gaps = [later - earlier for earlier, later in zip(failures, failures[1:], strict=False)]
    assert len(gaps) >= 3, failures
    assert 0.7 < gaps[0] < 1.5
    assert 1.5 < gaps[1] < 2.7
    assert 3.0 < gaps[2] < 5.2


def test_a_hidden_tab_does_not_poll_and_catches_up_at_once_when_shown(reader):
    entry = make_entry()
    page = reader.open(entry)
    reader.wait_for_polls(1)

    reader.set_hidden(True)
    page.wait_for_timeout(300)  # a poll already under way may finish
    polls_hidden = len(reader.polls)
    update = make_update(entry, "While you were away")
    page.wait_for_timeout(3000)
    assert len(reader.polls) == polls_hidden

    reader.set_hidden(False)
    page.wait_for_timeout(500)  # half the poll interval: only the catch-up poll
    assert len(reader.polls) == polls_hidden + 1
    # That first poll is revalidated (max-age=0): the update arrives with it.
    page.locator(f"#update-{update.pk}").wait_for()


def test_an_ended_entry_stops_polling(reader):
    entry = make_entry()
    page = reader.open(entry)
    reader.wait_for_polls(1)

    entry.end()
    page.get_by_text("This live blog has ended").wait_for()
    polls_at_end = len(reader.polls)
    page.wait_for_timeout(3000)

    assert len(reader.polls) == polls_at_end
    assert page.locator(".badge-live").count() == 0


def test_a_reader_far_behind_when_the_entry_ends_still_gets_every_update(reader, settings):
    settings.LIVEBLOG_POLL_BATCH = 2
    entry = make_entry()
    page = reader.open(entry)
    reader.wait_for_polls(1)
    reader.set_hidden(True)

    late = [make_update(entry, f"Final minutes {n}") for n in range(5)]
    entry.end()
    reader.set_hidden(False)

    page.get_by_text("This live blog has ended").wait_for()
    assert reader.update_ids() == [update.pk for update in late[::-1]]


def test_a_page_opened_after_the_end_never_polls(reader):
    entry = make_entry(status=Entry.Status.ENDED)
    make_update(entry)
    reader.open(entry)

    reader.page.wait_for_timeout(2500)

    assert reader.polls == []


def test_an_unpublished_entry_stops_polling_with_a_message(reader):
    entry = make_entry()
    page = reader.open(entry)

    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.DRAFT)
    page.get_by_text("This live blog is no longer available.").wait_for()
    polls = len(reader.polls)
    page.wait_for_timeout(2500)

    assert len(reader.polls) == polls
