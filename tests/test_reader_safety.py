"""The reader script in real Chromium, against what could hurt a reader:
hostile update content, a page that runs under a strict Content Security
Policy, and stale answers.

Behind a CDN a poll may be answered from a copy older than the page (a
cache keyed without the query string, a copy served while the origin
fails): such an answer must never bring back a deleted update, undo an
edit, a pin or a key event, or take the page's `since` back. The tests take
a real poll answer from the server, change the entry, then answer the page's
polls with the old answer (Playwright's request routing).
"""

import json
from itertools import pairwise

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_entry, make_update
from updates.changes import post_updates, set_flags
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hostile_update_content_never_runs(reader):
    entry = make_entry()
    page = reader.open(entry)

    hostile = make_update(
        entry,
        "<script>alert('script')</script> <img src=x onerror=alert('img')> "
        "[click](javascript:alert('link')) <svg onload=alert('svg')>",
    )
    page.locator(f"#update-{hostile.pk}").wait_for()
    # An image's onerror would have run once it has failed to load; the next
    # poll is sent a whole interval after the update was inserted.
    page.wait_for_function(
        "id => Array.from(document.querySelectorAll(`#update-${id} img`)).every(i => i.complete)",
        arg=hostile.pk,
    )
    reader.wait_for_polls(len(reader.polls) + 1)

    assert reader.dialogs == []
    assert reader.errors == []
    assert page.locator(f"#update-{hostile.pk} script, #update-{hostile.pk} svg").count() == 0


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


def poll_answer(entry, since: int) -> str:
    """The server's answer to a poll from revision `since`, as it is now."""
    response = Client().get(entry.poll_url(), {"since": since})
    assert response.status_code == 200
    return response.content.decode()


def body_text(page, update) -> str:
    return page.locator(f"#update-{update.pk} .update-body").inner_text().strip()


def test_an_answer_older_than_the_page_brings_back_no_deleted_update_and_undoes_no_edit(reader):
    entry = make_entry()
    kept = make_update(entry, "First take")
    doomed = make_update(entry, "Doomed")
    stale = poll_answer(entry, since=0)
    kept.content = "Second take"
    kept.save()
    doomed.delete()
    entry.refresh_from_db()
    assert json.loads(stale)["revision"] < entry.revision

    reader.answer_polls_with(stale)
    page = reader.open(entry)
    reader.wait_for_polls(3)  # the page has acted on at least two stale answers

    assert reader.update_ids() == [kept.pk]
    assert body_text(page, kept) == "Second take"
    assert {poll["since"] for poll in reader.poll_log()} == {entry.revision}
    assert reader.errors == []


def test_an_old_answer_after_an_edit_and_a_deletion_on_an_open_page_undoes_neither(reader):
    entry = make_entry()
    kept = make_update(entry, "First take")
    doomed = make_update(entry, "Doomed")
    page = reader.open(entry)
    kept.content = "Second take"
    kept.save()
    page.locator(f"#update-{kept.pk}", has_text="Second take").wait_for()
    stale = poll_answer(entry, since=0)  # both updates, the first at its second take

    kept.content = "Third take"
    kept.save()
    doomed.delete()
    page.locator(f"#update-{doomed.pk}").wait_for(state="detached")
    page.locator(f"#update-{kept.pk}", has_text="Third take").wait_for()
    seen = max(poll["since"] for poll in reader.poll_log())
    reader.answer_polls_with(stale)
    reader.wait_for_polls(len(reader.polls) + 3)
    assert reader.update_ids() == [kept.pk]
    assert body_text(page, kept) == "Third take"

    reader.answer_polls_from_the_server()
    later = make_update(entry, "Later")
    page.locator(f"#update-{later.pk}").wait_for()
    assert reader.update_ids() == [later.pk, kept.pk]
    asked = [poll["since"] for poll in reader.poll_log()]
    # The page never asks from an earlier revision than it had reached.
    assert asked == sorted(asked)
    assert min(since for since in asked[asked.index(seen) :]) >= seen
    assert reader.errors == []


def test_an_old_answer_brings_back_no_pin_or_key_event_that_was_removed(reader):
    entry = make_entry()
    update = make_update(entry, "Doors open")
    set_flags(update, pinned=True, key_event=True)
    stale = poll_answer(entry, since=0)
    assert "Doors open" in json.loads(stale)["pinned"]
    set_flags(update, pinned=False, key_event=False)

    reader.answer_polls_with(stale)
    page = reader.open(entry)
    reader.wait_for_polls(3)

    assert page.locator(".pinned-slot").is_hidden()
    assert page.locator(".key-events").is_hidden()
    assert reader.update_ids() == [update.pk]


def test_the_same_answer_again_adds_nothing_twice(reader):
    entry = make_entry()
    page = reader.open(entry)
    reader.record_announcements()
    news = make_update(entry, "Only once")
    answer = poll_answer(entry, since=0)

    reader.answer_polls_with(answer)
    page.locator(f"#update-{news.pk}").wait_for()
    reader.wait_for_polls(len(reader.polls) + 3)

    assert reader.update_ids() == [news.pk]
    assert reader.announcements() == ["1 new update"]


def test_an_old_answer_that_says_there_is_more_does_not_make_the_page_ask_at_once(reader, settings):
    settings.LIVEBLOG_POLL_BATCH = 1
    entry = make_entry()
    post_updates(entry, [LiveUpdate(content=f"Update {n}") for n in range(3)])
    stale = poll_answer(entry, since=0)
    assert json.loads(stale)["more"] is True

    reader.pause_clock()
    reader.answer_polls_with(stale)
    reader.open(entry)
    reader.advance(10_000)

    log = reader.poll_log()
    # An answer that moves the page on and says "more" is asked after at
    # once (tests/test_reader_backoff.py); one behind the page moves nothing.
    waits = [later["sent"] - earlier["settled"] for earlier, later in pairwise(log)]
    assert waits == [1000] * (len(log) - 1)
    assert 8 <= len(log) <= 10
