"""The one-second memos of an entry (entries/remembered.py): the poll's state,
cheaper up-to-date polls that never send a change twice or lose one; and the
entry a page shows, a page with no query at all."""

from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse

import liveblog.middleware
from entries import remembered
from entries.models import Entry
from liveblog import memo
from tests.factories import make_entry, make_update
from tests.helpers import poll, polled
from updates import views

pytestmark = pytest.mark.django_db


def test_an_up_to_date_poll_within_the_second_takes_no_query(
    client, clock, django_assert_num_queries
):
    entry = make_entry()
    make_update(entry)
    polled(client, entry, since=1)

    with django_assert_num_queries(0):
        body = polled(client, entry, since=1)

    assert body["revision"] == 1
    assert body["updates"] == []


def test_an_up_to_date_answer_within_the_second_is_neither_encoded_nor_hashed_again(client, clock):
    entry = make_entry()
    make_update(entry)
    first = poll(client, entry, since=1)

    with (
        mock.patch.object(views, "JsonResponse", wraps=views.JsonResponse) as encoding,
        mock.patch.object(
            liveblog.middleware, "set_response_etag", wraps=liveblog.middleware.set_response_etag
        ) as hashing,
    ):
        again = [poll(client, entry, since=1) for _ in range(3)]

    encoding.assert_not_called()
    hashing.assert_not_called()
    assert [answer.content for answer in again] == [first.content] * 3
    assert [answer["ETag"] for answer in again] == [first["ETag"]] * 3


def test_a_remembered_up_to_date_answer_has_the_bytes_and_headers_of_a_fresh_one(client, clock):
    entry = make_entry()
    make_update(entry)
    poll(client, entry, since=1)

    remembered_answer = poll(client, entry, since=1)
    memo.forget_all()
    with override_settings(LIVEBLOG_POLL_MEMO_SECONDS=0):
        fresh = poll(client, entry, since=1)

    assert remembered_answer.content == fresh.content
    assert list(remembered_answer.items()) == list(fresh.items())
    revalidated = client.get(
        reverse("updates:poll", kwargs={"slug": entry.slug}),
        {"since": 1},
        headers={"If-None-Match": fresh["ETag"]},
    )
    assert revalidated.status_code == 304


def test_an_up_to_date_answer_is_never_served_past_the_state_it_was_built_from(client, clock):
    # The state is read at 0, the up-to-date answer built from it at 0.9:
    # once the state is read again, the answer must be built again, though
    # it is younger than a second.
    entry = make_entry()
    make_update(entry)
    polled(client, entry, since=0)  # the state at revision 1, read at 0
    clock.now += 0.9
    assert polled(client, entry, since=1)["revision"] == 1
    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.ENDED)

    clock.now += 0.2
    after = polled(client, entry, since=1)

    assert after["status"] == "ended"


def test_a_new_update_reaches_the_poll_once_the_second_is_over(client, clock):
    entry = make_entry()
    first = polled(client, entry, since=0)
    update = make_update(entry, "Goal")

    clock.now += 0.9
    still = polled(client, entry, since=first["revision"])
    clock.now += 0.2
    after = polled(client, entry, since=still["revision"])

    assert (still["revision"], still["updates"]) == (0, [])
    assert after["revision"] == 1
    assert [item["id"] for item in after["updates"]] == [update.pk]


def test_a_reader_ahead_of_the_memo_is_answered_from_a_fresh_read(client, clock):
    # Another worker (or a fresher cache) already told this reader about
    # revision 2: an answer from the remembered revision 1 would send
    # update 2 again.
    entry = make_entry()
    make_update(entry)
    polled(client, entry, since=1)
    second = make_update(entry)

    body = polled(client, entry, since=2)

    assert body["revision"] == 2
    assert body["updates"] == []
    assert second.pk not in [item["id"] for item in polled(client, entry, since=2)["updates"]]


def test_a_reader_behind_the_memo_gets_the_changes_up_to_it_once(client, clock):
    entry = make_entry()
    one = make_update(entry)
    polled(client, entry, since=1)  # remembers revision 1
    two = make_update(entry)

    behind = polled(client, entry, since=0)
    clock.now += 1.5
    caught_up = polled(client, entry, since=behind["revision"])

    assert [item["id"] for item in behind["updates"]] == [one.pk]
    assert behind["revision"] == 1
    assert [item["id"] for item in caught_up["updates"]] == [two.pk]


def test_a_reader_behind_the_memo_whose_changes_have_all_moved_on_is_told_to_wait(client, clock):
    # The remembered revision 1 belonged to the update edited since (now at
    # revision 2): nothing is at or below 1 any more, and the answer is
    # "revision 1, nothing yet", not an error.
    entry = make_entry()
    update = make_update(entry, "Kick-off")
    polled(client, entry, since=1)  # remembers revision 1
    update.content = "Kick-off at last"
    update.save()

    behind = polled(client, entry, since=0)
    clock.now += 1.5
    caught_up = polled(client, entry, since=behind["revision"])

    assert (behind["revision"], behind["updates"], behind["deleted"]) == (1, [], [])
    assert [item["id"] for item in caught_up["updates"]] == [update.pk]
    assert caught_up["revision"] == 2


def test_unknown_slugs_are_not_remembered(client, clock):
    client.get(reverse("updates:poll", kwargs={"slug": "nothing-here"}))

    assert len(remembered._states) == 0


def page(client, entry):
    return client.get(reverse("entries:detail", kwargs={"slug": entry.slug}))


def test_a_page_served_again_within_the_second_takes_no_query(
    client, clock, django_assert_num_queries
):
    entry = make_entry()
    update = make_update(entry, "Kick-off")
    page(client, entry)

    with django_assert_num_queries(0):
        again = page(client, entry)

    assert again.status_code == 200
    assert f'id="update-{update.pk}"' in again.content.decode()


def test_a_changed_title_reaches_the_page_once_the_second_is_over(client, clock):
    entry = make_entry(title="Cup final")
    page(client, entry)
    Entry.objects.filter(pk=entry.pk).update(title="Cup final: extra time")

    clock.now += 0.9
    still = page(client, entry).content.decode()
    clock.now += 0.2
    after = page(client, entry).content.decode()

    assert "Cup final: extra time" not in still
    assert "Cup final: extra time" in after


def test_a_new_update_reaches_the_page_once_the_second_is_over(client, clock):
    entry = make_entry()
    page(client, entry)
    update = make_update(entry, "Goal")

    clock.now += 0.9
    still = page(client, entry).content.decode()
    clock.now += 0.2
    after = page(client, entry).content.decode()

    assert f'id="update-{update.pk}"' not in still
    assert f'id="update-{update.pk}"' in after


def test_an_entry_turned_back_into_a_draft_leaves_its_page_within_the_second(client, clock):
    entry = make_entry()
    page(client, entry)
    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.DRAFT)

    clock.now += 1.1

    assert page(client, entry).status_code == 404


def test_unknown_page_slugs_are_not_remembered(client, clock):
    assert client.get(reverse("entries:detail", kwargs={"slug": "nothing-here"})).status_code == 404

    assert len(remembered._entries) == 0


@pytest.mark.parametrize("memo", [remembered.entry_state, remembered.entry], ids=["poll", "page"])
def test_a_worker_remembers_at_most_a_thousand_entries(clock, django_assert_num_queries, memo):
    # A flood of real slugs must not grow a worker's memory without bound:
    # the thousand-and-first entry read starts the memo afresh.
    Entry.objects.bulk_create(
        Entry(title=f"Entry {n}", slug=f"entry-{n}", status=Entry.Status.LIVE) for n in range(1001)
    )
    for n in range(1000):
        memo(f"entry-{n}")
    with django_assert_num_queries(0):
        memo("entry-0")

    memo("entry-1000")

    with django_assert_num_queries(1):
        memo("entry-0")
