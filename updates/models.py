from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from entries.models import Entry
from liveblog import purge
from liveblog.markdown import render_markdown, validate_markdown
from liveblog.text import check_length, xml_safe
from updates import oembed, photos
from updates.fragments import permalink, render_fragment
from updates.revisions import lock_entry

# What a headline may hold (issue 22): one line of a key events list or a
# feed reader, and about what search engines show of one.
HEADLINE_MAX_CHARS = 120

# What an alt text may hold: it is read aloud in full, and sent in the
# update's HTML with every page and poll.
ALT_MAX_CHARS = 1_000


def one_line(text: str) -> str:
    """A headline as stored: XML-safe, its whitespace (a pasted line break) one space."""
    return " ".join(xml_safe(text).split())


def check_headline(headline: str) -> None:
    """Refuse a headline longer than HEADLINE_MAX_CHARS, naming the limit."""
    check_length(headline, gettext("A headline"), HEADLINE_MAX_CHARS)


def now_to_the_second():
    # The admin edits times to the second: a published time with
    # microseconds would shift (and could reorder updates) on every edit.
    return timezone.now().replace(microsecond=0)


# What a poll answer needs of a changed row; never the Markdown source.
CHANGE_FIELDS = (
    "id", "revision", "fragment", "published", "updated", "deleted", "edited", "key_event", "pinned",
    "headline",
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


class LiveUpdateQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(deleted__isnull=True)

    def in_page_order(self):
        return self.order_by("published", "pk")

    def changes_since(self, entry, since: int, limit: int) -> ChangeBatch:
        """What a reader at revision `since` needs to reach `entry.revision`, at most `limit` rows.

        `entry` is anything with `pk` and `revision` (an Entry, the poll's
        EntryState, an EntryRevision). Rows above entry.revision are left
        for the next poll: they committed after the entry was read, and
        answering them now with the older revision would send them twice.
        A reader at (or beyond) the entry's revision needs nothing: no query.
        Tombstones included, whatever the manager.
        """
        if since >= entry.revision:
            return ChangeBatch(revision=entry.revision, updates=[], deleted=[], more=False)
        rows = self.model.all_objects.filter(
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

    def rerender_fragments(self, entry_id: int) -> int:
        """Render every visible update of an entry again, each taking a revision.

        For a change of the entry's time zone (stored fragments show times
        in it), and when a second author brings bylines. New revisions make
        open pages receive the new fragments by polling. One transaction, so
        readers see all updates in the old form or all in the new one.
        Returns how many updates were re-rendered.
        """
        with transaction.atomic():
            lock_entry(entry_id, count=0)
            updates = list(
                self.model.objects.filter(entry_id=entry_id)
                .select_related("author")
                .prefetch_related("photos")
                .in_page_order()
            )
            locked = lock_entry(entry_id, count=len(updates))
            for update, revision in zip(updates, locked.revisions, strict=True):
                update.revision = revision
                update.fragment = render_fragment(
                    update, locked.zone, locked.bylines, language=locked.language
                )
            self.model.all_objects.bulk_update(updates, ["revision", "fragment"], batch_size=500)
        return len(updates)

    def delete(self):
        """Tombstone every update in the queryset, each with its own revision.

        Covers the admin's "delete selected" action and any ORM bulk delete,
        so readers are told about every deletion. Entries are locked in id
        order so two bulk deletes never deadlock.
        """
        with transaction.atomic(using=self.db):
            doomed = list(self.visible().order_by("entry_id", "pk"))
            for update in doomed:
                update.delete()
        return len(doomed), {self.model._meta.label: len(doomed)} if doomed else {}

    delete.alters_data = True
    delete.queryset_only = True


class VisibleUpdateManager(models.Manager.from_queryset(LiveUpdateQuerySet)):
    def get_queryset(self):
        return super().get_queryset().visible()


class LiveUpdate(models.Model):
    entry = models.ForeignKey(
        "entries.Entry", on_delete=models.CASCADE, related_name="updates", verbose_name=_("entry")
    )
    content = models.TextField(
        _("content"),
        help_text=_(
            "Markdown: **bold**, _italic_, [links](https://…), ![alt text](https://…/image.jpg), "
            "> quotes, lists, `code`."
        ),
    )
    # Plain text, one line, optional (issue 22): shown bold above the text,
    # and what feeds, key events and search engines call the update.
    headline = models.CharField(
        _("headline"),
        max_length=HEADLINE_MAX_CHARS,
        blank=True,
        default="",
        help_text=_("Optional, plain text: shown in bold above the update."),
    )
    html = models.TextField(editable=False)
    # The rendered <article> the page and the poll send as is (updates/fragments.py).
    fragment = models.TextField(editable=False, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="live_updates",
    )
    published = models.DateTimeField(_("published"), default=now_to_the_second, db_index=True)
    updated = models.DateTimeField(editable=False)
    # The entry's revision when this update last changed (updates/changes.py).
    revision = models.PositiveBigIntegerField(editable=False)
    # Set when the update is deleted: the row stays as a tombstone so that
    # readers polling for changes learn about the deletion.
    deleted = models.DateTimeField(null=True, blank=True, editable=False)
    key_event = models.BooleanField(
        _("key event"),
        default=False,
        help_text=_("Listed under Key events at the top of the page."),
    )
    pinned = models.BooleanField(
        _("pinned"),
        default=False,
        help_text=_("Shown at the top of the page; pinning another update unpins this one."),
    )
    # When the text was last changed after posting ("Edited HH:MM"); flags
    # such as pinned do not count as edits.
    edited = models.DateTimeField(null=True, blank=True, editable=False)
    # Sent by the desk with each composition: a post sent twice (a double
    # Ctrl+Enter, a retry after a lost answer) is stored once. Unique per
    # author and entry (issue 19): another author's key never finds this
    # update; a deletion clears it, so a draft that kept it posts anew.
    idempotency_key = models.CharField(max_length=64, blank=True, default="", editable=False)

    # The default manager hides tombstones; the change log needs them.
    objects = VisibleUpdateManager()
    all_objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-pk"]
        verbose_name = _("live update")
        verbose_name_plural = _("live updates")
        constraints = [
            models.UniqueConstraint(fields=["entry", "revision"], name="one_change_per_revision"),
            # Pinning another update unpins this one first (unpin_others).
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(pinned=True, deleted__isnull=True),
                name="one_pinned_per_entry",
            ),
            models.UniqueConstraint(
                fields=["entry", "author", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_update_per_composition",
            ),
        ]
        indexes = [
            # The page's latest updates and its older pages (?before=) at any size.
            models.Index(
                "entry",
                models.F("published").desc(),
                models.F("id").desc(),
                condition=models.Q(deleted__isnull=True),
                name="visible_newest_first",
            ),
        ]

    def __str__(self) -> str:
        text = " ".join(self.content.split())
        return text[:60] + "…" if len(text) > 60 else text

    def save(self, *args, **kwargs):
        self.content = xml_safe(self.content)
        self.headline = one_line(self.headline)
        # Rendered once here, outside the entry lock, never per request; and
        # only when the text changed, so that pinning an update stored before
        # the HTML limit (issue 17) cannot fail on its size.
        if self.deleted:
            self.html = ""
        elif not self.html or self.content != getattr(self, "_loaded_content", None):
            self.html = Embed.previews_in(render_markdown(self.content))
        if self.deleted:
            self.pinned = False
        elif not self._state.adding and (
            self.content != getattr(self, "_loaded_content", self.content)
            or self.headline != getattr(self, "_loaded_headline", self.headline)
        ):
            self.edited = now_to_the_second()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"], "html", "fragment", "revision", "updated", "edited",
                "pinned",
            }  # fmt: skip
        with transaction.atomic(using=kwargs.get("using")):
            if self.pinned:
                # Before this update takes its revision: the other pinned one
                # takes its own, and the constraint never sees two.
                self.unpin_others()
            locked = lock_entry(self.entry_id)
            self.revision = locked.revisions[0]
            if not self._state.adding and self.deleted is None and self.deleted_meanwhile():
                # Deleted while this copy was being edited: a deletion is
                # final (readers have removed it), so the edit is dropped.
                transaction.set_rollback(True)
                self.deleted = timezone.now()
                return
            self.updated = timezone.now()
            # Rendered under the entry lock: its revision and time zone are
            # final. A new update has no id to render until it is inserted.
            new = self.pk is None
            bylines = locked.bylines
            self.fragment = (
                ""
                if self.deleted or new
                else render_fragment(self, locked.zone, bylines, language=locked.language)
            )
            super().save(*args, **kwargs)
            self._loaded_content = self.content
            self._loaded_headline = self.headline
            if new and not bylines and self.brings_bylines():
                # Every fragment of the entry gains its byline, this one too.
                LiveUpdate.objects.rerender_fragments(self.entry_id)
                self.refresh_from_db(fields=["fragment", "revision"])
            elif new:
                self.fragment = render_fragment(
                    self, locked.zone, bylines, language=locked.language
                )
                LiveUpdate.all_objects.filter(pk=self.pk).update(fragment=self.fragment)

    save.alters_data = True

    def get_absolute_url(self) -> str:
        return self.permalink(self.entry.get_absolute_url())

    def clean(self):
        super().clean()
        try:
            validate_markdown(self.content)
        except ValidationError as error:
            raise ValidationError({"content": error.messages}) from None

    @classmethod
    def from_db(cls, db, field_names, values):
        update = super().from_db(db, field_names, values)
        # What the text was when read: save() stamps `edited` when it changes.
        # Cleaned as save() cleans it: text stored before xml_safe is not
        # "changed" (nor stamped edited) by a pin.
        if "content" in update.__dict__:
            update._loaded_content = xml_safe(update.content)
        if "headline" in update.__dict__:
            update._loaded_headline = one_line(update.headline)
        return update

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using, fields, from_queryset)
        if fields is None or "content" in fields:
            # The text now read is the one save() compares with to stamp
            # `edited`, cleaned as from_db() cleans it.
            self._loaded_content = xml_safe(self.content)
        if fields is None or "headline" in fields:
            self._loaded_headline = one_line(self.headline)

    def validate_constraints(self, exclude=None):
        # A form that pins an update while another is pinned is valid: save()
        # unpins the other one (unpin_others).
        super().validate_constraints(exclude={*(exclude or ()), "pinned"})

    def permalink(self, entry_url: str) -> str:
        return permalink(self.pk, entry_url)

    def delete(self, using=None, keep_parents=False):
        """Replace the update by a tombstone that takes the next revision."""
        if self.deleted:
            return 0, {}
        with transaction.atomic(using=using):
            # Their files go once this commits (photos.py); the tombstone
            # keeps no trace of them.
            for photo in self.photos.all():
                photo.delete()
            self.deleted = timezone.now()
            self.content = ""
            self.headline = ""
            # The composition's key is free again: a desk that still holds
            # it (a draft restored after the delete) posts a new update.
            self.idempotency_key = ""
            self.save(
                using=using, update_fields=["deleted", "content", "headline", "idempotency_key"]
            )
        return 1, {self._meta.label: 1}

    delete.alters_data = True

    def unpin_others(self) -> None:
        """Unpin the entry's other pinned update, if any, for the caller's transaction."""
        lock_entry(self.entry_id, count=0)
        others = LiveUpdate.objects.filter(entry_id=self.entry_id, pinned=True)
        if self.pk is not None:
            others = others.exclude(pk=self.pk)
        for other in others:
            other.pinned = False
            other.save(update_fields=["pinned"])

    def brings_bylines(self) -> bool:
        """Once inserted: mark the entry as having bylines if another author
        has posted to it (under the entry lock). True when it just did."""
        if self.author_id is None:
            return False
        others = LiveUpdate.all_objects.filter(entry_id=self.entry_id, author__isnull=False)
        if not others.exclude(author_id=self.author_id).exists():
            return False
        Entry.objects.filter(pk=self.entry_id).update(bylines=True)
        return True

    def deleted_meanwhile(self) -> bool:
        return LiveUpdate.all_objects.filter(pk=self.pk, deleted__isnull=False).exists()

    def refresh_fragment(self) -> None:
        """Render the fragment again without a new revision: only for the
        transaction that took its revision (photos attached after the row)."""
        if not transaction.get_connection().in_atomic_block:
            raise transaction.TransactionManagementError("refresh_fragment() needs a transaction.")
        locked = lock_entry(self.entry_id, count=0)
        self.fragment = render_fragment(self, locked.zone, locked.bylines, language=locked.language)
        LiveUpdate.all_objects.filter(pk=self.pk).update(fragment=self.fragment)


class Photo(models.Model):
    """A photo in an update, stored as web sizes (updates/photos.py)."""

    update = models.ForeignKey(
        LiveUpdate, on_delete=models.CASCADE, related_name="photos", verbose_name=_("update")
    )
    alt = models.TextField(
        _("alt text"), help_text=_("What the photo shows, for readers who cannot see it. Required.")
    )
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # The uploaded file's SHA-256, which names the stored files.
    key = models.CharField(max_length=64, editable=False, db_index=True)
    # The stored sizes, smallest first: [{"name", "width", "height"}].
    files = models.JSONField(default=list, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.alt[:60]

    def save(self, *args, **kwargs):
        self.alt, self.caption = xml_safe(self.alt), xml_safe(self.caption)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        try:
            check_length(self.alt, gettext("Alt text"), ALT_MAX_CHARS)
        except ValidationError as error:
            raise ValidationError({"alt": error.messages}) from None

    def sizes(self) -> list[dict]:
        return [{**file, "url": default_storage.url(file["name"])} for file in self.files]

    def srcset(self) -> str:
        return ", ".join(f"{size['url']} {size['width']}w" for size in self.sizes())

    def default_size(self) -> dict:
        """What `src` names: the middle size, for browsers that ignore srcset."""
        sizes = self.sizes()
        return sizes[min(1, len(sizes) - 1)]

    def largest(self) -> dict:
        return self.sizes()[-1]

    @staticmethod
    def remove_files_after_commit(key: str, files: list[dict]) -> None:
        """Remove a deleted photo's files once the transaction commits, unless
        another photo of the same file still uses them; the CDN forgets them."""
        names = [file["name"] for file in files]
        if names:
            transaction.on_commit(lambda: Photo.remove_unused_files(key, names))
            purge.purge_after_commit([photos.photo_tag(key)])

    @staticmethod
    def remove_unused_files(key: str, names: list[str]) -> None:
        """Remove these files of `key` if no photo uses them (updates/photos.py)."""
        with transaction.atomic():
            # Decided under the lock photos.claim() takes: see updates/photos.py.
            photos.lock_files([key])
            if (
                Photo.objects.filter(key=key).exists()
                or Embed.objects.filter(thumbnail_key=key).exists()
            ):
                return
            for name in names:
                default_storage.delete(name)


@receiver(post_delete, sender=Photo)
def remove_photo_files(sender, instance: Photo, **kwargs):
    # A signal, not Photo.delete(): deleting an entry removes its updates and
    # photos by cascade, which calls no delete() but sends this.
    Photo.remove_files_after_commit(instance.key, instance.files)


class Embed(models.Model):
    """A link's preview from its provider (issue 22, item 3), remembered per
    URL: posted again or edited, the update shows it without asking the
    provider again. Fetched by updates/embeds.py; shown in the update's
    HTML in place of the link (previews_in), so pages, polls, the feed and
    the desk carry it with no query of their own. Its thumbnail is stored
    like a photo's sizes (updates/photos.py), never removed while an
    Embed names it."""

    url = models.CharField(max_length=oembed.MAX_URL_CHARS, unique=True)
    provider = models.CharField(max_length=20)
    title = models.CharField(max_length=oembed.TITLE_CHARS, blank=True)
    text = models.CharField(max_length=oembed.TEXT_CHARS, blank=True)
    author = models.CharField(max_length=oembed.AUTHOR_CHARS, blank=True)
    # The iframe's address, built from the allow-list (updates/oembed.py).
    player = models.CharField(max_length=oembed.MAX_URL_CHARS)
    thumbnail_key = models.CharField(max_length=64, blank=True, db_index=True)
    # As Photo.files: [{"name", "width", "height"}], smallest first.
    thumbnail_files = models.JSONField(default=list, blank=True)
    fetched = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url

    def thumbnail(self) -> dict | None:
        """The size the preview shows (the middle one, as a photo's src), with its URL."""
        sizes = self.thumbnail_files
        if not sizes:
            return None
        size = sizes[min(1, len(sizes) - 1)]
        return {**size, "url": default_storage.url(size["name"])}

    @classmethod
    def previews_in(cls, html: str) -> str:
        """`html` with each remembered embeddable link alone in its paragraph
        shown as its preview (templates/updates/_embed.html). One query, and
        only when there is such a link. At most oembed.MAX_PER_UPDATE
        previews, the first ones: each adds about a kilobyte to every page
        and poll, outside the text's HTML limit (issue 17)."""
        links = {url: oembed.match(url) for url in oembed.alone_in_paragraphs(html)}
        links = {url: link for url, link in links.items() if link is not None}
        if not links:
            return html
        embeds = {embed.url: embed for embed in cls.objects.filter(url__in=links)}

        shown = []

        def preview(url: str) -> str | None:
            embed, link = embeds.get(url), links.get(url)
            if embed is None or link is None or embed.provider != link.provider:
                return None
            if len(shown) == oembed.MAX_PER_UPDATE:
                return None
            shown.append(url)
            context = {"embed": embed, "link": link, "thumbnail": embed.thumbnail()}
            return render_to_string("updates/_embed.html", context).strip()

        return oembed.replace_alone(html, preview)
