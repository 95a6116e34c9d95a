"""The change log: how every write to an entry's updates gets its revision.

Each create, edit or delete of a LiveUpdate takes the next value of its
entry's `revision` while holding a lock on the entry row, in the same
transaction as the write (LiveUpdate.save and delete call lock_entry).
Writers to one entry therefore commit one after another, in revision order,
so a reader that has seen everything up to revision R needs exactly the rows
whose revision is above R: a row carries only its latest change, and a
deleted update stays as a tombstone.

Each write also stores the update's rendered <article> (`fragment`, the
updates/_update.html partial in the entry's time zone, read under the same
lock), so pages and polls only join stored strings. A time zone change
re-renders them all, each taking a revision (rerender_fragments).

Flags are changes like any edit. Pinning an update first unpins the entry's
pinned one in the same transaction (unpin_others), so each takes its own
revision and open pages see both. Bylines appear once a second author posts
to an entry: that post sets the entry's `bylines` flag and re-renders every
fragment (second_author), so stored fragments never disagree about them.

Taking revisions also registers the purge of the entry's cached answers for
after the commit (liveblog/purge.py), so the CDN hears of every change.
"""

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from entries.models import Entry
from liveblog import purge
from liveblog.text import check_length, xml_safe
from updates import photos as photo_files
from updates.rendering import render_fragment, render_markdown


@dataclass(frozen=True)
class Locked:
    revisions: range
    # Read under the lock: a fragment rendered in this zone cannot miss a
    # time zone change, which takes the same lock (rerender_fragments).
    zone: ZoneInfo
    # Whether fragments carry their author's name (more than one author).
    bylines: bool = False


def lock_entry(entry_id: int, count: int = 1) -> Locked:
    """Lock the entry and take its next `count` revisions, for the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("lock_entry() needs a transaction.")
    current, zone, bylines = (
        Entry.objects.select_for_update()
        .values_list("revision", "timezone", "bylines")
        .get(pk=entry_id)
    )
    if count:
        Entry.objects.filter(pk=entry_id).update(revision=current + count)
        # Every write readers see takes a revision here: the one place to
        # tell the CDN, once the caller's transaction commits.
        purge.entry_changed(entry_id)
    return Locked(range(current + 1, current + count + 1), ZoneInfo(zone), bylines)


def unpin_others(update) -> None:
    """Unpin the entry's other pinned update, if any, for the caller's transaction."""
    from updates.models import LiveUpdate

    lock_entry(update.entry_id, count=0)
    others = LiveUpdate.objects.filter(entry_id=update.entry_id, pinned=True)
    if update.pk is not None:
        others = others.exclude(pk=update.pk)
    for other in others:
        other.pinned = False
        other.save(update_fields=["pinned"])


def second_author(update) -> bool:
    """After `update` is inserted: mark its entry as having bylines if another
    author has posted to it (under the entry lock). True when it just did."""
    from updates.models import LiveUpdate

    if update.author_id is None:
        return False
    others = LiveUpdate.all_objects.filter(entry_id=update.entry_id, author__isnull=False)
    if not others.exclude(author_id=update.author_id).exists():
        return False
    Entry.objects.filter(pk=update.entry_id).update(bylines=True)
    return True


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
        updates = list(
            LiveUpdate.objects.filter(entry_id=entry_id)
            .select_related("author")
            .prefetch_related("photos")
            .in_page_order()
        )
        locked = lock_entry(entry_id, count=len(updates))
        for update, revision in zip(updates, locked.revisions, strict=True):
            update.revision = revision
            update.fragment = render_fragment(update, locked.zone, locked.bylines)
        LiveUpdate.all_objects.bulk_update(updates, ["revision", "fragment"], batch_size=500)
    return len(updates)


def is_deleted(update_id: int) -> bool:
    from updates.models import LiveUpdate

    return LiveUpdate.all_objects.filter(pk=update_id, deleted__isnull=False).exists()


# What a poll answer needs of a changed row; never the Markdown source.
CHANGE_FIELDS = (
    "id", "revision", "fragment", "published", "updated", "deleted", "edited", "key_event", "pinned"
)  # fmt: skip


@dataclass(frozen=True)
class EntryRevision:
    """What changes_since needs of an entry."""

    pk: int
    revision: int


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


class RefusedUpdate(ValidationError):
    """Why post_updates refused an update, and which: its position in the list."""

    def __init__(self, messages: list[str], position: int):
        super().__init__(messages)
        self.position = position


def post_updates(entry: Entry, updates: list) -> list:
    """Post many new updates to `entry` in one transaction, one revision each.

    For imports and `make bench`: the rows go in with one INSERT (then their
    fragments, which need the new ids), in the order given, with the
    revisions save() would have given them. Raises RefusedUpdate, before
    writing anything, for an update that is too long or renders too large.
    """
    from updates.models import LiveUpdate

    now = timezone.now()
    for position, update in enumerate(updates):
        update.entry = entry
        update.content = xml_safe(update.content)
        try:
            check_length(update.content)
            update.html = render_markdown(update.content)
        except ValidationError as error:
            raise RefusedUpdate(error.messages, position) from None
        update.updated = now
    with transaction.atomic():
        locked = lock_entry(entry.pk, len(updates))
        for update, revision in zip(updates, locked.revisions, strict=True):
            update.revision = revision
        created = LiveUpdate.all_objects.bulk_create(updates)
        # Fragments carry the ids, which exist only once the rows are in.
        for update in created:
            update.fragment = render_fragment(update, locked.zone, locked.bylines, photos=())
        LiveUpdate.all_objects.bulk_update(created, ["fragment"], batch_size=500)
        if not locked.bylines and any(second_author(update) for update in created):
            rerender_fragments(entry.pk)
        return created


@dataclass(frozen=True)
class PhotoUpload:
    file: object  # an UploadedFile, or any file object with a size
    alt: str
    caption: str = ""


def post_update(entry: Entry, content: str, author=None, photos=(), **fields):
    """Post a new update to `entry`, with photos (PhotoUpload): what the desk
    and commands do. Raises ValidationError before writing anything."""
    from updates.models import LiveUpdate

    # Before the emptiness check: a NUL alone is nothing.
    content = xml_safe(content)
    update = LiveUpdate(entry=entry, content=content, author=author, **fields)
    # Validates what a caller can give (the change log's own fields are not
    # editable, and Django never validates those). Content may be empty when
    # there are photos (checked next); the composition key's constraint is
    # the database's to enforce (the desk answers a repeated key with the
    # update it already made).
    update.full_clean(exclude=["content", "idempotency_key"])
    if not content.strip() and not photos:
        raise ValidationError({"content": "Write something or add a photo."})
    processed = process_photos(photos)
    stored = []
    try:
        for result in processed:
            # One by one: a failure on the second photo must still find the
            # first one's files below.
            stored.append(photo_files.store(result))
        with transaction.atomic():
            update.save()
            if photos:
                # Again under the files' lock: a deletion of the same file
                # may have removed them since (updates/photos.py, issue 17).
                # All keys at once, in one order: two posts of the same files
                # in another order would otherwise deadlock.
                photo_files.lock_files(result.key for result in processed)
                stored = [photo_files.claim(result) for result in processed]
                attach_photos(update, photos, processed, stored)
    except BaseException:
        # The files of a post that did not commit would be orphans.
        for files, result in zip(stored, processed, strict=False):
            photo_files.delete_unused(result.key, [file["name"] for file in files])
        raise
    return update


def check_photo_text(photo) -> None:
    """A photo's alt text and caption within their lengths, each error naming its field."""
    try:
        photo.full_clean(exclude=["update", "key", "files", "position"])
    except ValidationError as error:
        named = []
        for name, messages in error.message_dict.items():
            label = photo._meta.get_field(name).verbose_name.capitalize()
            named += [m if m.startswith(label) else f"{label}: {m}" for m in messages]
        raise ValidationError(named) from None


def process_photos(photos) -> list:
    """Validate and resize every photo first: one refusal, and nothing is posted."""
    from updates.models import Photo

    errors = {}
    processed = []
    # Cleaned first: an alt text of control characters alone is no description.
    photos = [
        replace(photo, alt=xml_safe(photo.alt), caption=xml_safe(photo.caption)) for photo in photos
    ]
    for index, photo in enumerate(photos):
        try:
            if not photo.alt.strip():
                raise ValidationError("Describe the photo in its alt text.", code="alt")
            check_photo_text(Photo(alt=photo.alt.strip(), caption=photo.caption.strip()))
            processed.append(photo_files.process(photo.file))
        except ValidationError as error:
            errors[f"photo-{index}"] = error.messages
    if errors:
        raise ValidationError(errors)
    return processed


def attach_photos(update, photos, processed, stored) -> None:
    """The update's photos, then its fragment again, in the transaction that
    took its revision: no reader sees it without them."""
    from updates.models import Photo

    Photo.objects.bulk_create(
        Photo(
            update=update,
            alt=xml_safe(photo.alt).strip(),
            caption=xml_safe(photo.caption).strip(),
            position=position,
            key=result.key,
            files=files,
        )
        for position, (photo, result, files) in enumerate(
            zip(photos, processed, stored, strict=True)
        )
    )
    refresh_fragment(update)


def refresh_fragment(update) -> None:
    """Render an update's fragment again without a new revision: only for the
    transaction that took its revision (photos attached after the row)."""
    from updates.models import LiveUpdate

    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("refresh_fragment() needs a transaction.")
    locked = lock_entry(update.entry_id, count=0)
    update.fragment = render_fragment(update, locked.zone, locked.bylines)
    LiveUpdate.all_objects.filter(pk=update.pk).update(fragment=update.fragment)


def set_flags(update, *, key_event: bool | None = None, pinned: bool | None = None):
    """Mark or unmark a key event, pin or unpin: one revision (two when a pin
    moves from another update, which takes its own)."""
    with transaction.atomic():
        # Read again under the entry's lock, which every edit takes: save()
        # writes the HTML and the fragment with the flags, and a copy read
        # before another author's edit would put the old text back.
        lock_entry(update.entry_id, count=0)
        update.refresh_from_db()
        if update.deleted:
            return update  # a deletion is final, as in save()
        if key_event is not None:
            update.key_event = key_event
        if pinned is not None:
            update.pinned = pinned
        update.save(update_fields=["key_event", "pinned"])
    return update


def edit_update(update, content: str, photos=()) -> None:
    """New text for an update, and its photos' alt texts: one revision.

    Raises ValidationError (`content`, `alt-<photo id>`) before writing anything.
    """
    from updates.models import Photo

    errors = {}
    update.content = content
    try:
        update.clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    for photo in photos:
        photo.alt = xml_safe(photo.alt)
        try:
            check_photo_text(photo)
        except ValidationError as error:
            errors[f"alt-{photo.pk}"] = error.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Photo.objects.bulk_update(list(photos), ["alt"])
        update.content = content
        # The fragment is rendered with the photos as saved just above.
        update.save()
