"""A reader far behind pages through batches that mix new updates, edits and
tombstones, on whatever database the suite runs on (SQLite included), and
ends with exactly what the database holds, each change received once.
"""

import random

import pytest
from django.test import override_settings

from entries.models import Entry
from tests.factories import make_entry, make_update
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db


def catch_up(client, entry, since: int, seen: dict[int, str]) -> list[tuple[int, int]]:
    """Poll as the reader script does until `more` is false; returns each change received."""
    received = []
    while True:
        body = client.get(entry.poll_url(), {"since": since}).json()
        for update in body["updates"]:
            received.append((update["id"], update["revision"]))
            seen[update["id"]] = update["html"]
        for update_id in body["deleted"]:
            received.append((update_id, "deleted"))
            seen.pop(update_id, None)
        assert body["revision"] >= since, "the cursor moved backwards"
        since = body["revision"]
        if not body["more"]:
            return received


@override_settings(LIVEBLOG_POLL_BATCH=4)
def test_a_reader_far_behind_catches_up_through_mixed_batches_exactly(client):
    rng = random.Random(7)
    entry = make_entry()
    live = [make_update(entry, f"Update {n}") for n in range(6)]
    page = {u.pk: u.html for u in live}
    page_revision = Entry.objects.get(pk=entry.pk).revision

    # After the page was rendered: new posts, edits of old and new ones, deletions.
    for step in range(30):
        roll = rng.random()
        if roll < 0.4 or not live:
            live.append(make_update(entry, f"Later update {step}"))
        elif roll < 0.75:
            update = rng.choice(live)
            update.content = f"Edited at step {step}"
            update.save()
        else:
            live.pop(rng.randrange(len(live))).delete()

    received = catch_up(client, entry, page_revision, page)

    expected = {u.pk: u.html for u in LiveUpdate.objects.filter(entry=entry)}
    assert page.keys() == expected.keys()
    for pk, html in expected.items():
        assert html in page[pk], "an edit was lost"
    assert len(received) == len(set(received)), "a change was delivered twice"
    # Every row that changed after the page, in one batch or another, and only once.
    changed = LiveUpdate.all_objects.filter(entry=entry, revision__gt=page_revision)
    assert len(received) == changed.count()


@override_settings(LIVEBLOG_POLL_BATCH=2)
def test_a_batch_boundary_inside_a_run_of_deletions_loses_none(client):
    entry = make_entry()
    updates = [make_update(entry, f"Update {n}") for n in range(5)]
    seen = {u.pk: u.html for u in updates}
    since = Entry.objects.get(pk=entry.pk).revision
    for update in updates[:3]:
        update.delete()
    updates[4].content = "Edited after the deletions"
    updates[4].save()

    catch_up(client, entry, since, seen)

    assert sorted(seen) == [updates[3].pk, updates[4].pk]
    assert "Edited after the deletions" in seen[updates[4].pk]
