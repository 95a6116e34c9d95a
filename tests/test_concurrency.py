"""The change log under concurrent authors, on the production database.

Four authors post, edit and delete at once while a reader polls. The reader
must end with exactly what the database holds, having received every change
once: no revision skipped, none delivered twice.
"""

import random
import threading
import time

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from entries.models import Entry
from liveblog import memo
from tests.factories import make_entry, make_update
from updates.models import LiveUpdate

WRITERS = 4
OPERATIONS_PER_WRITER = 40


def author(entry_id: int, seed: int, errors: list, reader_caught_up: threading.Event) -> None:
    rng = random.Random(seed)
    entry = Entry.objects.get(pk=entry_id)
    mine = []
    try:
        for step in range(OPERATIONS_PER_WRITER):
            if step == OPERATIONS_PER_WRITER // 2:
                # Halfway, until the reader has caught up once (bounded): on a
                # fast machine the writes could otherwise all land within the
                # poll memo's second, and the reader see them only at the end.
                reader_caught_up.wait(30)
            roll = rng.random()
            if not mine or roll < 0.5:
                mine.append(make_update(entry, f"Author {seed}, update {step}"))
            elif roll < 0.8:
                update = rng.choice(mine)
                update.content = f"Author {seed}, update edited at step {step}"
                update.save()
            else:
                mine.pop(rng.randrange(len(mine))).delete()
    except Exception as error:  # reported by the test, not lost in a thread
        errors.append(error)
    finally:
        connection.close()


class Reader:
    def __init__(self, url: str):
        self.url = url
        self.client = Client()
        self.since = 0
        self.state: dict[int, tuple[int, str]] = {}
        self.received: list[tuple[int, int]] = []
        self.problems: list[str] = []
        # Revisions of answers that brought changes and were complete
        # (`more` false): the entry stood there when it was read.
        self.caught_up_at: list[int] = []
        self.caught_up = threading.Event()

    def poll(self) -> dict:
        response = self.client.get(self.url, {"since": self.since})
        if response.status_code != 200:
            self.problems.append(f"poll answered {response.status_code}")
            return {"more": False}
        body = response.json()
        revisions = [update["revision"] for update in body["updates"]]
        if revisions != sorted(revisions) or any(
            not self.since < r <= body["revision"] for r in revisions
        ):
            self.problems.append(f"since={self.since} gave revisions {revisions}")
        for update in body["updates"]:
            self.received.append((update["id"], update["revision"]))
            self.state[update["id"]] = (update["revision"], update["html"])
        for update_id in body["deleted"]:
            self.state.pop(update_id, None)
        if (body["updates"] or body["deleted"]) and not body["more"]:
            self.caught_up_at.append(body["revision"])
            self.caught_up.set()
        self.since = body["revision"]
        return body

    def follow(self, writers_done: threading.Event, memo_seconds: float) -> None:
        try:
            while not writers_done.is_set():
                self.poll()
            # The origin may answer from an entry state read up to that long
            # ago (entries/remembered.py): the last writes show after it.
            time.sleep(memo_seconds)
            while self.poll()["more"]:
                pass
        finally:
            connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("memo_seconds", [0, 1.0], ids=["no-memo", "one-second-memo"])
def test_a_reader_polling_during_concurrent_writes_ends_with_the_database_state(memo_seconds):
    memo.forget_all()
    entry = make_entry()
    reader = Reader(reverse("updates:poll", kwargs={"slug": entry.slug}))
    errors: list = []
    writers_done = threading.Event()
    writers = [
        threading.Thread(target=author, args=(entry.pk, seed, errors, reader.caught_up))
        for seed in range(WRITERS)
    ]
    polling = threading.Thread(target=reader.follow, args=(writers_done, memo_seconds))

    with override_settings(LIVEBLOG_POLL_BATCH=7, LIVEBLOG_POLL_MEMO_SECONDS=memo_seconds):
        polling.start()
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join(timeout=120)
        writers_done.set()
        polling.join(timeout=120)

    assert not errors
    assert not reader.problems
    entry.refresh_from_db()
    # Every operation took exactly one revision: none lost, none shared.
    assert entry.revision == WRITERS * OPERATIONS_PER_WRITER
    assert reader.since == entry.revision
    assert len(reader.received) == len(set(reader.received))
    in_database = {u.pk: u for u in LiveUpdate.objects.filter(entry=entry)}
    assert set(reader.state) == set(in_database)
    for pk, (revision, html) in reader.state.items():
        assert revision == in_database[pk].revision
        assert in_database[pk].html in html
    # The reader really polled while authors wrote, not only at the end: it
    # was brought up to date, with changes, at a revision authors went past.
    assert any(revision < entry.revision for revision in reader.caught_up_at), reader.caught_up_at
