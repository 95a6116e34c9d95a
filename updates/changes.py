"""The change log: how every write to an entry's updates gets its revision,
and the writes themselves (posting, bulk posting, photos, flags, edits).

Each create, edit or delete of a LiveUpdate takes the next value of its
entry's `revision` while holding a lock on the entry row, in the same
transaction as the write (LiveUpdate.save and delete call
updates/revisions.py's lock_entry).
Writers to one entry therefore commit one after another, in revision order,
so a reader that has seen everything up to revision R needs exactly the rows
whose revision is above R: a row carries only its latest change, and a
deleted update stays as a tombstone.

Each write also stores the update's rendered <article> (`fragment`,
updates/fragments.py, in the entry's time zone and language read under the
same lock), so pages and polls only join stored strings. A change of either
re-renders them all, each taking a revision (LiveUpdate.objects.rerender_fragments,
which Entry.save's `rendering_changed` signal triggers: updates/apps.py).

Flags are changes like any edit. Pinning an update first unpins the entry's
pinned one in the same transaction (LiveUpdate.unpin_others), so each takes
its own revision and open pages see both. Bylines appear once a second
author posts to an entry: that post sets the entry's `bylines` flag and
re-renders every fragment (LiveUpdate.brings_bylines), so stored fragments
never disagree about them. What a reader needs after a revision is
LiveUpdate.all_objects.changes_since.

Taking revisions also registers the purge of the entry's cached answers for
after the commit (liveblog/purge.py), so the CDN hears of every change.
"""

from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entries.models import Entry
from liveblog.markdown import render_markdown, validate_markdown
from liveblog.text import check_length, xml_safe
from updates import embeds
from updates import photos as photo_files
from updates.fragments import render_fragment
from updates.models import Embed, LiveUpdate, Photo, check_headline, one_line
from updates.revisions import lock_entry


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
    now = timezone.now()
    for position, update in enumerate(updates):
        update.entry = entry
        update.content = xml_safe(update.content)
        update.headline = one_line(update.headline)
        try:
            check_headline(update.headline)
            # Previews remembered from earlier posts only: an import fetches
            # none (a transcript may hold hundreds of links).
            update.html = Embed.previews_in(validate_markdown(update.content))
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
            update.fragment = render_fragment(
                update, locked.zone, locked.bylines, photos=(), language=locked.language
            )
        LiveUpdate.all_objects.bulk_update(created, ["fragment"], batch_size=500)
        if not locked.bylines and any(update.brings_bylines() for update in created):
            LiveUpdate.objects.rerender_fragments(entry.pk)
        return created


@dataclass(frozen=True)
class PhotoUpload:
    file: object  # an UploadedFile, or any file object with a size
    alt: str
    caption: str = ""


def post_update(entry: Entry, content: str, author=None, photos=(), headline="", **fields):
    """Post a new update to `entry`, with photos (PhotoUpload) and an optional
    headline: what the desk and commands do. Raises ValidationError before
    writing anything."""
    # Before the emptiness check: a NUL alone is nothing.
    content = xml_safe(content)
    update = LiveUpdate(
        entry=entry, content=content, author=author, headline=one_line(headline), **fields
    )
    # Validates what a caller can give (the change log's own fields are not
    # editable, and Django never validates those). Content may be empty when
    # there are photos (checked next); the composition key's constraint is
    # the database's to enforce (the desk answers a repeated key with the
    # update it already made).
    update.full_clean(exclude=["content", "idempotency_key"])
    if not content.strip() and not photos:
        raise ValidationError({"content": _("Write something or add a photo.")})
    processed = process_photos(photos)
    # Asks the providers, so before the transaction and the entry's lock.
    embeds.remember(content)
    with PhotoFiles() as files:
        # Before the transaction: writing to the storage (S3) does not hold
        # the entry's lock.
        for result in processed:
            files.store(result)
        with transaction.atomic():
            update.save()
            if photos:
                attach_photos(update, photos, processed, files.claim(processed))
    return update


class PhotoFiles:
    """The one path by which photo files are stored: the desk and commands
    (post_update) and the admin's inline (updates/admin.py) alike.

    `store` writes a photo's files ahead of the transaction (optional);
    `claim`, in the transaction that inserts the Photo rows naming them,
    writes them again if a deletion of the same file has removed them
    since, under the files' locks (updates/photos.py). Used as a context
    manager around both, outside the transaction: when anything inside
    fails, every file written is removed again unless a committed photo
    uses it, so a save that rolls back leaves no files behind.
    """

    def __init__(self):
        self.written: dict[str, list[str]] = {}

    def __enter__(self) -> "PhotoFiles":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is not None:
            for key, names in self.written.items():
                Photo.remove_unused_files(key, names)

    def store(self, processed: photo_files.Processed) -> list[dict]:
        # Noted first: a failure half-way must still find the files written.
        self.written[processed.key] = photo_files.file_names(processed)
        return photo_files.store(processed)

    def claim(self, processed: list[photo_files.Processed]) -> list[list[dict]]:
        """In the transaction inserting their photos: each one's files, as Photo.files records them."""
        # All keys at once, in one order: two saves of the same files in
        # another order would otherwise deadlock.
        photo_files.lock_files(result.key for result in processed)
        for result in processed:
            self.written[result.key] = photo_files.file_names(result)
        return [photo_files.claim(result) for result in processed]


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

    errors = {}
    processed = []
    # Cleaned first: an alt text of control characters alone is no description.
    photos = [
        replace(photo, alt=xml_safe(photo.alt), caption=xml_safe(photo.caption)) for photo in photos
    ]
    for index, photo in enumerate(photos):
        try:
            if not photo.alt.strip():
                raise ValidationError(_("Describe the photo in its alt text."), code="alt")
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
    update.refresh_fragment()


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


class EditConflict(Exception):
    """The update changed after the editor read it (edit_update's `seen_revision`)."""


def edit_update(
    update, content: str, photos=(), seen_revision: int | None = None, headline: str | None = None
) -> None:
    """New text for an update, its headline (None: as it is) and its photos'
    alt texts: one revision.

    Raises ValidationError (`content`, `alt-<photo id>`) before writing
    anything, and EditConflict when the update's revision is no longer
    `seen_revision` (another author's edit, pin or key event since) and the
    edit would change what is stored: two authors' edits never overwrite
    each other unseen (issue 19).
    """
    errors = {}
    update.content = content
    if headline is not None:
        update.headline = one_line(headline)
    try:
        update.clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        check_headline(update.headline)
    except ValidationError as error:
        errors["headline"] = error.messages
    for photo in photos:
        photo.alt = xml_safe(photo.alt)
        try:
            check_photo_text(photo)
        except ValidationError as error:
            errors[f"alt-{photo.pk}"] = error.messages
    if errors:
        raise ValidationError(errors)
    # Asks the providers, so before the transaction and the entry's lock.
    embeds.remember(content)
    with transaction.atomic():
        if seen_revision is not None:
            check_unchanged_since(update, seen_revision, content, photos, update.headline)
        Photo.objects.bulk_update(list(photos), ["alt"])
        update.content = content
        # The fragment is rendered with the photos as saved just above.
        update.save()


def check_unchanged_since(
    update, seen_revision: int, content: str, photos, headline: str = ""
) -> None:
    """Raise EditConflict if the update changed after `seen_revision`, under
    the entry's lock (which every write takes, so none slips in between)."""
    lock_entry(update.entry_id, count=0)
    current = (
        LiveUpdate.all_objects.filter(pk=update.pk)
        .values("revision", "content", "headline")
        .first()
    )
    if current is None or current["revision"] == seen_revision:
        return
    stored_alts = dict(Photo.objects.filter(update_id=update.pk).values_list("pk", "alt"))
    # The same save sent twice (a double Ctrl+Enter) asks for what is
    # already there: nothing to overwrite.
    if (current["content"], current["headline"]) == (xml_safe(content), headline) and all(
        stored_alts.get(photo.pk) == photo.alt for photo in photos
    ):
        return
    raise EditConflict()


# A summary is read at the top of the page, and kept in each worker's
# remembered entry state (entries/remembered.py): a few paragraphs.
SUMMARY_MAX_CHARS = 5_000


def set_summary(entry_id: int, text: str, seen_revision: int | None = None) -> Entry:
    """Replace an entry's summary ("What we know so far"): one revision.

    Raises ValidationError (too long, renders too large) before writing, and
    EditConflict when the summary changed after `seen_revision` (the
    entry's `summary_revision` the editor started from) and this would
    change it: two authors never overwrite each other's summary unseen.
    Returns the entry as saved.
    """
    # A form's textarea sends CRLF: stored as LF, the desk's "saved twice"
    # check and the limit count the same text whichever way it came.
    text = xml_safe(text.replace("\r\n", "\n")).strip()
    check_length(text, _("The summary"), SUMMARY_MAX_CHARS)
    html = render_markdown(text)
    with transaction.atomic():
        lock_entry(entry_id, count=0)
        current = Entry.objects.values("summary", "summary_revision").get(pk=entry_id)
        if current["summary"] == text:
            # Saved twice (a double press), or no change: no revision.
            return Entry.objects.get(pk=entry_id)
        if seen_revision is not None and current["summary_revision"] != seen_revision:
            raise EditConflict()
        (revision,) = lock_entry(entry_id).revisions
        Entry.objects.filter(pk=entry_id).update(
            summary=text,
            summary_html=html,
            summary_updated=timezone.now() if text else None,
            summary_revision=revision,
        )
    return Entry.objects.get(pk=entry_id)
