"""The change log: how every write to an entry's updates gets its revision.

Each create, edit or delete of a LiveUpdate takes the next value of its
entry's `revision` while holding a lock on the entry row, in the same
transaction as the write (LiveUpdate.save and delete call take_revision).
Writers to one entry therefore commit one after another, in revision order,
so a reader that has seen everything up to revision R needs exactly the rows
whose revision is above R: a row carries only its latest change, and a
deleted update stays as a tombstone.

Each write also stores the update's rendered <article> (`fragment`, the
updates/_update.html partial in the entry's time zone, read under the same
lock), so pages and polls only join stored strings. A time zone change
re-renders them all, each taking a revision (rerender_fragments).

Taking revisions also registers the purge of the entry's cached answers for
after the commit (liveblog/purge.py), so the CDN hears of every change.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from entries.models import Entry
from liveblog import purge
from updates.rendering import render_fragment, render_markdown


def take_revision(entry_id: int) -> int:
    """Lock the entry and return its next revision; the caller's transaction commits it."""
    return lock_entry(entry_id).revisions[0]


@dataclass(frozen=True)
class Locked:
    revisions: range
    # Read under the lock: a fragment rendered in this zone cannot miss a
    # time zone change, which takes the same lock (rerender_fragments).
    zone: ZoneInfo


def lock_entry(entry_id: int, count: int = 1) -> Locked:
    """Lock the entry and take its next `count` revisions, for the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("take_revision() needs a transaction.")
    current, zone = (
        Entry.objects.select_for_update().values_list("revision", "timezone").get(pk=entry_id)
    )
    if count:
        Entry.objects.filter(pk=entry_id).update(revision=current + count)
        # Every write readers see takes a revision here: the one place to
        # tell the CDN, once the caller's transaction commits.
        purge.entry_changed(entry_id)
    return Locked(range(current + 1, current + count + 1), ZoneInfo(zone))


def rerender_fragments(entry_id: int) -> int:
    """Render every visible update of an entry again, each taking a revision.

    For a change of the entry's time zone: stored fragments show times in
    it. New revisions make open pages receive the new fragments by polling.
    One transaction, so readers see all updates in the old zone or all in
    the new one. Returns how many updates were re-rendered.
    """
    from updates.models import LiveUpdate

    with transaction.atomic():
        lock_entry(entry_id, count=0)
        updates = list(LiveUpdate.objects.filter(entry_id=entry_id).in_page_order())
        locked = lock_entry(entry_id, count=len(updates))
        for update, revision in zip(updates, locked.revisions, strict=True):
            update.revision = revision
            update.fragment = render_fragment(update, locked.zone)
        LiveUpdate.all_objects.bulk_update(updates, ["revision", "fragment"], batch_size=500)
    return len(updates)


def is_deleted(update_id: int) -> bool:
    from updates.models import LiveUpdate

    return LiveUpdate.all_objects.filter(pk=update_id, deleted__isnull=False).exists()


# What a poll answer needs of a changed row; never the Markdown source.
CHANGE_FIELDS = ("id", "revision", "fragment", "published", "updated", "deleted")


@dataclass(frozen=True)
class ChangeBatch:
    revision: int
    updates: list[dict]
    deleted: list[int]
    more: bool


def changes_since(entry, since: int, limit: int) -> ChangeBatch:
    """What a reader at revision `since` needs to reach `entry.revision`, at most `limit` rows.

    `entry` is anything with `pk` and `revision` (an Entry, or the poll's
    EntryState). Rows above entry.revision are left for the next poll: they
    committed after the entry was read, and answering them now with the
    older revision would send them twice. A reader at (or beyond) the
    entry's revision needs nothing: no query.
    """
    from updates.models import LiveUpdate

    if since >= entry.revision:
        return ChangeBatch(revision=entry.revision, updates=[], deleted=[], more=False)
    rows = LiveUpdate.all_objects.filter(
        entry_id=entry.pk, revision__gt=since, revision__lte=entry.revision
    ).order_by("revision")
    rows = list(rows.values(*CHANGE_FIELDS)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return ChangeBatch(
        revision=rows[-1]["revision"] if more else entry.revision,
        updates=[row for row in rows if row["deleted"] is None],
        deleted=[row["id"] for row in rows if row["deleted"] is not None],
        more=more,
    )


def post_updates(entry: Entry, updates: list) -> list:
    """Post many new updates to `entry` in one transaction, one revision each.

    For imports and `make bench`: the rows go in with one INSERT (then their
    fragments, which need the new ids), in the order given, with the
    revisions save() would have given them.
    """
    from updates.models import LiveUpdate

    now = timezone.now()
    for update in updates:
        update.entry = entry
        update.html = render_markdown(update.content)
        update.updated = now
    with transaction.atomic():
        locked = lock_entry(entry.pk, len(updates))
        for update, revision in zip(updates, locked.revisions, strict=True):
            update.revision = revision
        created = LiveUpdate.all_objects.bulk_create(updates)
        # Fragments carry the ids, which exist only once the rows are in.
        for update in created:
            update.fragment = render_fragment(update, locked.zone)
        LiveUpdate.all_objects.bulk_update(created, ["fragment"], batch_size=500)
        return created


def post_update(entry: Entry, content: str, author=None, **fields):
    """Post a new update to `entry`: what the admin form and commands do."""
    from updates.models import LiveUpdate

    update = LiveUpdate(entry=entry, content=content, author=author, **fields)
    update.full_clean(exclude=["html", "updated", "revision", "author"])
    update.save()
    return update
