"""The change log: how every write to an entry's updates gets its revision.

Each create, edit or delete of a LiveUpdate takes the next value of its
entry's `revision` while holding a lock on the entry row, in the same
transaction as the write (LiveUpdate.save and delete call take_revision).
Writers to one entry therefore commit one after another, in revision order,
so a reader that has seen everything up to revision R needs exactly the rows
whose revision is above R: a row carries only its latest change, and a
deleted update stays as a tombstone.
"""

from dataclasses import dataclass

from django.db import transaction

from entries.models import Entry


def take_revision(entry_id: int) -> int:
    """Lock the entry and return its next revision; the caller's transaction commits it."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("take_revision() needs a transaction.")
    current = Entry.objects.select_for_update().values_list("revision", flat=True).get(pk=entry_id)
    Entry.objects.filter(pk=entry_id).update(revision=current + 1)
    return current + 1


def is_deleted(update_id: int) -> bool:
    from updates.models import LiveUpdate

    return LiveUpdate.all_objects.filter(pk=update_id, deleted__isnull=False).exists()


@dataclass(frozen=True)
class ChangeBatch:
    revision: int
    updates: list
    deleted: list[int]
    more: bool


def changes_since(entry: Entry, since: int | None, limit: int) -> ChangeBatch:
    """What a reader at revision `since` needs to reach `entry.revision`, at most `limit` rows.

    `since=None` asks for the current state from nothing: no tombstones.
    (A page rendered at revision 0 may already show an update, so even
    `since=0` must hear of deletions.) Rows above entry.revision are left
    for the next poll: they committed after the entry was read, and
    answering them now with the older revision would send them twice.
    """
    from updates.models import LiveUpdate

    rows = LiveUpdate.all_objects.filter(
        entry=entry, revision__gt=min(since or 0, entry.revision), revision__lte=entry.revision
    ).order_by("revision")
    if since is None:
        rows = rows.filter(deleted__isnull=True)
    rows = list(rows[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return ChangeBatch(
        revision=rows[-1].revision if more else entry.revision,
        updates=[row for row in rows if row.deleted is None],
        deleted=[row.pk for row in rows if row.deleted is not None],
        more=more,
    )


def post_update(entry: Entry, content: str, author=None, **fields):
    """Post a new update to `entry`: what the admin form and commands do."""
    from updates.models import LiveUpdate

    update = LiveUpdate(entry=entry, content=content, author=author, **fields)
    update.full_clean(exclude=["html", "updated", "revision", "author"])
    update.save()
    return update
