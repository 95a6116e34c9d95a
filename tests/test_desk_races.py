"""Desk writes racing each other on the production database (issue 19):
authors editing one update from the same revision, and one composition sent
several times at once with different text. Exactly one wins; the others are
told, and nothing is overwritten unseen."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import make_entry, make_update
from updates import changes
from updates.models import LiveUpdate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AUTHORS = 4


def at_once(work, count: int = AUTHORS) -> list:
    """Run work(n) in `count` threads released together; their results."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(n: int):
        try:
            start.wait(10)
            results[n] = work(n)
        except Exception as error:  # reported by the test, not lost in a thread
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_authors_saving_edits_from_one_revision_at_once_one_wins_and_the_rest_conflict():
    update = make_update(make_entry(), "Tpyo")
    seen = update.revision

    def edit(n: int):
        changes.edit_update(
            LiveUpdate.objects.get(pk=update.pk), f"Fixed by author {n}", seen_revision=seen
        )
        return n

    results = at_once(edit)

    winners = [result for result in results if isinstance(result, int)]
    assert len(winners) == 1, results
    assert all(isinstance(r, changes.EditConflict) for r in results if r not in winners), results
    update.refresh_from_db()
    assert update.content == f"Fixed by author {winners[0]}"
    assert update.revision == seen + 1


def test_one_composition_sent_at_once_with_different_text_makes_one_update(django_user_model):
    entry = make_entry()
    author = django_user_model.objects.create_user("ada", is_staff=True, is_superuser=True)
    url = reverse("admin:entries_entry_desk_post", args=[entry.pk])

    def post(n: int):
        client = Client()
        client.force_login(author)
        response = client.post(url, {"content": f"Version {n}", "key": "composition-1"})
        return response.status_code, response.json()

    results = at_once(post)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (AUTHORS - 1), results
    update = LiveUpdate.objects.get()
    assert all(
        body.get("id", body.get("existing", {}).get("id")) == update.pk for _, body in results
    )
