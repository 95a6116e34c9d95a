"""Small helpers many test modules share, each written once here.

Fixtures shared the same way (`media_root`, `public_urls`,
`test_database_url`) are in tests/conftest.py.
"""

import psycopg
from django.db import connection
from django.urls import reverse

from entries.models import Entry
from tests.servers import PostgresCluster


class Clock:
    """A monotonic clock the test moves by hand (`clock.now += 1.1`), for the memos."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def poll(client, entry, **params):
    """The poll endpoint's answer for `entry`; params such as since=3."""
    return client.get(reverse("updates:poll", kwargs={"slug": entry.slug}), params)


def polled(client, entry, **params) -> dict:
    """The poll endpoint's JSON body for `entry`."""
    return poll(client, entry, **params).json()


def revision_of(entry) -> int:
    """The entry's revision as stored now (the object passed is left as it was)."""
    return Entry.objects.values_list("revision", flat=True).get(pk=entry.pk)


WAITING_ON_A_LOCK = (
    "SELECT pid, client_port FROM pg_stat_activity"
    " WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
)


def waiting_on_a_lock(database: PostgresCluster | None = None) -> list[tuple[int, int]]:
    """(backend pid, client port) of each PostgreSQL session waiting for a
    lock: in the test database, through this process's connection, or in
    `database`, a cluster of the servers' own."""
    if database is not None:
        with psycopg.connect(database.url(), autocommit=True) as own:
            return own.execute(WAITING_ON_A_LOCK).fetchall()
    with connection.cursor() as cursor:
        # Statistics are a snapshot per transaction unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(WAITING_ON_A_LOCK)
        return cursor.fetchall()
