"""The entry lock: how a write to an entry's updates takes its revision.

The invariant it keeps is stated in updates/changes.py: every write to an
entry's updates takes the entry's next revision here, holding the entry
row's lock until its transaction ends, so writers to one entry commit one
after another, in revision order.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction

from entries.models import Entry, written_in
from liveblog import purge, push


@dataclass(frozen=True)
class Locked:
    revisions: range
    # Read under the lock: a fragment rendered in this zone cannot miss a
    # time zone change, which takes the same lock (rerender_fragments).
    zone: ZoneInfo
    # Whether fragments carry their author's name (more than one author).
    bylines: bool = False
    # What fragments are written in (Entry.language_code), read under the
    # lock for the same reason as the zone.
    language: str = ""


def lock_entry(entry_id: int, count: int = 1) -> Locked:
    """Lock the entry and take its next `count` revisions, for the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("lock_entry() needs a transaction.")
    current, zone, bylines, language = (
        Entry.objects.select_for_update()
        .values_list("revision", "timezone", "bylines", "language")
        .get(pk=entry_id)
    )
    if count:
        Entry.objects.filter(pk=entry_id).update(revision=current + count)
        # Every write readers see takes a revision here: the one place to
        # tell the CDN, once the caller's transaction commits.
        purge.entry_changed(entry_id)
        # ...and the readers' streams, with the changes from this revision on.
        push.entry_changed(entry_id, base=current)
    return Locked(
        range(current + 1, current + count + 1),
        ZoneInfo(zone),
        bylines,
        written_in(language),
    )
