"""The reader script (static/liveblog/live.js) in real Chromium.

Each test opens an entry page served by pytest-django's live server, changes
the entry on the server, and checks what a reader sees. Debian's Chromium
is required: .ci/run installs it; locally these tests skip without it.
"""

import time

import pytest
from django.urls import reverse

from entries.models import Entry
from tests.browser import Reader
from tests.factories import make_entry, make_update
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_update_appears_and_edits_and_deletions_follow_without_reload(reader):
    entry = make_entry(title="Keynote")
    first = make_update(entry, "Doors open")
    page = reader.open(entry)
    page.evaluate("window.notReloaded = true")

    added = make_update(entry, "The keynote **starts**")
    page.locator(f"#update-{added.pk} strong", has_text="starts").wait_for()
    first.content = "Doors open at 9"
    first.save()
    page.locator(f"#update-{first.pk}", has_text="Doors open at 9").wait_for()
    added.delete()
    page.locator(f"#update-{added.pk}").wait_for(state="detached")

    assert page.evaluate("window.notReloaded") is True
    assert reader.update_ids() == [first.pk]
    assert reader.errors == []


def test_new_updates_are_announced_once_politely(reader):
    entry = make_entry()
    page = reader.open(entry)

    make_update(entry, "One")
    make_update(entry, "Two")

    announcer = page.locator(".live-announcer")
    announcer.filter(has_text="2 new updates").wait_for(state="attached")
    assert announcer.get_attribute("aria-live") == "polite"
    assert page.locator(".updates-empty").count() == 0


def test_text_selected_in_an_old_update_is_still_selected_after_a_poll(reader):
    entry = make_entry()
    old = make_update(entry, "A sentence worth quoting")
    page = reader.open(entry)
    page.evaluate(
        """id => {
            const node = document.querySelector('#update-' + id + ' p');
            node.dataset.original = 'yes';
            const range = document.createRange();
            range.selectNodeContents(node);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        old.pk,
    )

    new = make_update(entry, "Later news")
    page.locator(f"#update-{new.pk}").wait_for()

    assert page.evaluate("getSelection().toString()") == "A sentence worth quoting"
    assert page.locator(f"#update-{old.pk} p[data-original=yes]").count() == 1


def test_newest_first_while_live_and_the_readers_choice_is_remembered(reader):
    entry = make_entry()
    ended = make_entry(status=Entry.Status.ENDED)
    ids = [make_update(entry, f"Update {n}").pk for n in range(3)]
    transcript = [make_update(ended, f"Line {n}").pk for n in range(2)]
    page = reader.open(entry)
    toggle = page.get_by_role("button", name="Newest first")
    assert reader.update_ids() == ids[::-1]
    assert toggle.get_attribute("aria-pressed") == "true"
    reader.open(ended)
    assert reader.update_ids() == transcript
    assert toggle.get_attribute("aria-pressed") == "false"

    reader.open(entry)
    polls_before = len(reader.polls)
    toggle.focus()
    page.keyboard.press("Enter")

    assert reader.update_ids() == ids
    assert toggle.get_attribute("aria-pressed") == "false"
    assert len(reader.polls) == polls_before
    page.reload()
    assert reader.update_ids() == ids
    toggle.click()
    reader.open(ended)
    # The reader's explicit choice wins over the page's default.
    assert reader.update_ids() == transcript[::-1]
    assert toggle.get_attribute("aria-pressed") == "true"
    reader.open(entry)
    newest = make_update(entry, "Newest of all")
    page.locator(f"#update-{newest.pk}").wait_for()
    assert reader.update_ids() == [newest.pk, *ids[::-1]]
    # At the top of the list, the newest update arrives in view.
    assert page.locator(f"#update-{newest.pk}").is_visible()
    assert 0 <= page.locator(f"#update-{newest.pk}").bounding_box()["y"] < 640
    assert page.locator(".new-updates").is_hidden()


def test_newest_first_keeps_the_text_being_read_still_and_offers_a_jump(reader):
    entry = make_entry()
    for n in range(30):
        make_update(entry, f"Update {n}\n\n" + "A long paragraph of commentary. " * 20)
    page = reader.open(entry)
    assert page.get_by_role("button", name="Newest first").get_attribute("aria-pressed") == "true"
    reading = LiveUpdate.objects.get(content__startswith="Update 10\n")
    page.locator(f"#update-{reading.pk}").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 200)")
    top_before = page.locator(f"#update-{reading.pk}").bounding_box()["y"]

    fresh = [make_update(entry, f"Breaking {n}") for n in range(2)]
    page.locator(f"#update-{fresh[1].pk}").wait_for(state="attached")
    jump = page.get_by_role("button", name="2 new updates")
    jump.wait_for()

    assert page.locator(f"#update-{reading.pk}").bounding_box()["y"] == pytest.approx(
        top_before, abs=2
    )
    jump.click()
    assert page.locator(f"#update-{fresh[1].pk}").bounding_box()["y"] == pytest.approx(0, abs=2)
    assert jump.is_hidden()


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


def test_the_title_counts_updates_that_arrive_while_the_reader_looks_away(reader):
    entry = make_entry(title="Cup final")
    page = reader.open(entry)
    page.evaluate("document.hasFocus = () => false")

    make_update(entry, "Goal")
    make_update(entry, "Another goal")
    page.wait_for_function("() => document.title === '(2) Cup final'")

    page.evaluate("delete document.hasFocus; window.dispatchEvent(new Event('focus'))")
    assert page.title() == "Cup final"


def test_hostile_update_content_never_runs(reader):
    entry = make_entry()
    page = reader.open(entry)

    hostile = make_update(
        entry,
        "<script>alert('script')</script> <img src=x onerror=alert('img')> "
        "[click](javascript:alert('link')) <svg onload=alert('svg')>",
    )
    page.locator(f"#update-{hostile.pk}").wait_for()
    page.wait_for_timeout(500)

    assert reader.dialogs == []
    assert reader.errors == []
    assert page.locator(f"#update-{hostile.pk} script, #update-{hostile.pk} svg").count() == 0


def test_the_page_is_usable_320_pixels_wide(browser, live_server):
    tab = Reader(browser, live_server, viewport={"width": 320, "height": 640})
    entry = make_entry(title="A rather long title for a narrow phone screen")
    make_update(entry, "A URL that is long: https://example.com/" + "segment/" * 20)
    page = tab.open(entry)

    overflow = page.evaluate("document.documentElement.scrollWidth")
    toggle_box = page.get_by_role("button", name="Newest first").bounding_box()
    tab.context.close()

    assert overflow <= 320
    assert toggle_box["x"] + toggle_box["width"] <= 320


def test_without_javascript_the_page_is_complete_but_not_live(browser, live_server):
    tab = Reader(browser, live_server, java_script_enabled=False)
    entry = make_entry()
    update = make_update(entry, "Already here")
    page = tab.open(entry)

    text = page.locator(f"#update-{update.pk}").inner_text()
    toggle_hidden = page.locator(".order-toggle").is_hidden()
    tab.context.close()

    assert "Already here" in text
    assert toggle_hidden
    assert tab.polls == []


def test_the_page_runs_under_a_strict_content_security_policy(reader):
    entry = make_entry()

    response = reader.page.goto(
        reader.live_server.url + reverse("entries:detail", args=[entry.slug])
    )

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    reader.wait_for_polls(1)
    assert reader.errors == []
