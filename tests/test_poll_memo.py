"""The poll's one-second memo of an entry's state (updates/entry_state.py):
cheaper up-to-date polls, never a change sent twice or lost."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import make_entry, make_update
from updates import entry_state

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(entry_state.time, "monotonic", clock)
    entry_state.forget_all()
    with override_settings(LIVEBLOG_POLL_MEMO_SECONDS=1.0):
        yield clock
    entry_state.forget_all()


def poll(client, entry, **params):
    return client.get(reverse("updates:poll", kwargs={"slug": entry.slug}), params).json()


def test_an_up_to_date_poll_within_the_second_takes_no_query(
    client, clock, django_assert_num_queries
):
    entry = make_entry()
    make_update(entry)
    poll(client, entry, since=1)

    with django_assert_num_queries(0):
        body = poll(client, entry, since=1)

    assert body["revision"] == 1
    assert body["updates"] == []


def test_a_new_update_reaches_the_poll_once_the_second_is_over(client, clock):
    entry = make_entry()
    first = poll(client, entry, since=0)
    update = make_update(entry, "Goal")

    clock.now += 0.9
    still = poll(client, entry, since=first["revision"])
    clock.now += 0.2
    after = poll(client, entry, since=still["revision"])

    assert (still["revision"], still["updates"]) == (0, [])
    assert after["revision"] == 1
    assert [item["id"] for item in after["updates"]] == [update.pk]


def test_a_reader_ahead_of_the_memo_is_answered_from_a_fresh_read(client, clock):
    # Another worker (or a fresher cache) already told this reader about
    # revision 2: an answer from the remembered revision 1 would send
    # update 2 again.
    entry = make_entry()
    make_update(entry)
    poll(client, entry, since=1)
    second = make_update(entry)

    body = poll(client, entry, since=2)

    assert body["revision"] == 2
    assert body["updates"] == []
    assert second.pk not in [item["id"] for item in poll(client, entry, since=2)["updates"]]


def test_a_reader_behind_the_memo_gets_the_changes_up_to_it_once(client, clock):
    entry = make_entry()
    one = make_update(entry)
    poll(client, entry, since=1)  # remembers revision 1
    two = make_update(entry)

    behind = poll(client, entry, since=0)
    clock.now += 1.5
    caught_up = poll(client, entry, since=behind["revision"])

    assert [item["id"] for item in behind["updates"]] == [one.pk]
    assert behind["revision"] == 1
    assert [item["id"] for item in caught_up["updates"]] == [two.pk]


def test_unknown_slugs_are_not_remembered(client, clock):
    client.get(reverse("updates:poll", kwargs={"slug": "nothing-here"}))

    assert entry_state._memo == {}
