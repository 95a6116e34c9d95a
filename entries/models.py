from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from entries.signals import rendering_changed
from liveblog import purge, push
from liveblog.markdown import render_markdown, validate_markdown
from liveblog.text import xml_safe


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            _("%(value)s is not an IANA time zone name, such as Europe/London."),
            params={"value": value},
        ) from error


# Fields only the entry lock's holder writes (updates/revisions.py,
# updates/changes.py): an instance read before such a write holds stale
# values, and save() must not write them back.
WRITTEN_UNDER_LOCK = (
    "revision", "bylines", "summary", "summary_html", "summary_updated", "summary_revision"
)  # fmt: skip


class EntryQuerySet(models.QuerySet):
    def delete(self):
        """The admin's "delete selected": readers get 404s at once, not after the cache."""
        with transaction.atomic(using=self.db):
            for pk in self.values_list("pk", flat=True):
                purge.entry_changed(pk, listing=True, using=self.db)
            return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def published(self):
        """Entries readers may see: live or ended, never drafts."""
        return self.filter(status__in=[Entry.Status.LIVE, Entry.Status.ENDED])

    def for_listing(self):
        """Live entries first, then the most recently covered."""
        return self.annotate(
            is_live=models.Case(
                models.When(status=Entry.Status.LIVE, then=models.Value(0)),
                default=models.Value(1),
            )
        ).order_by("is_live", models.F("coverage_start").desc(nulls_last=True), "-created")


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("entry status", "Draft")
    LIVE = "live", pgettext_lazy("entry status", "Live")
    ENDED = "ended", pgettext_lazy("entry status", "Ended")


def written_in(language: str) -> str:
    """What an entry whose `language` field holds this is written in: its
    own language, else the site's (never the reader's: one copy per URL)."""
    return language or settings.LANGUAGE_CODE


def language_choices() -> list[tuple[str, str]]:
    # A callable, so that the migration does not copy settings.LANGUAGES.
    return [("", _("The site's language"))] + list(settings.LANGUAGES)


class Lifecycle:
    """What an entry's `status` and `timezone` mean: for the Entry and for the
    poll's lighter EntryState (entries/remembered.py) alike."""

    status: str
    timezone: str
    language: str

    @property
    def is_published(self) -> bool:
        return self.status != Status.DRAFT

    @property
    def has_ended(self) -> bool:
        return self.status == Status.ENDED

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo keeps its own cache

    @property
    def language_code(self) -> str:
        """What its page, polls, feed and stored fragments are written in."""
        return written_in(self.language)

    @property
    def poll_interval(self) -> int:
        """Seconds between a reader's polls: rarely once ended, for a
        correction or the entry going live again (issue 20)."""
        if self.has_ended:
            return settings.LIVEBLOG_ENDED_POLL_INTERVAL
        return settings.LIVEBLOG_POLL_INTERVAL


class Entry(Lifecycle, models.Model):
    Status = Status

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    intro = models.TextField(
        _("intro"), blank=True, help_text=_("Markdown, shown above the updates.")
    )
    intro_html = models.TextField(blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("IANA name, such as America/Los_Angeles: update times are shown in it."),
    )
    language = models.CharField(
        _("language"),
        max_length=15,
        blank=True,
        choices=language_choices,
        help_text=_("Readers see its page, times and dates in this language."),
    )
    coverage_start = models.DateTimeField(
        _("coverage start"), null=True, blank=True, editable=False
    )
    coverage_end = models.DateTimeField(_("coverage end"), null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    # The entry's change counter: every create, edit or delete of one of its
    # updates takes the next value (see updates/changes.py). Written only
    # by updates/revisions.py, under a row lock; save() below never writes it back.
    revision = models.PositiveBigIntegerField(_("revision"), default=0, editable=False)
    # Set, under the same lock, once a second author posts: from then on
    # every update shows its author's name (updates/changes.py).
    bylines = models.BooleanField(default=False, editable=False)
    # "What we know so far" (issue 22): Markdown kept current from the desk,
    # shown above the key events. Each edit takes a revision like a change
    # to an update (updates/changes.py set_summary, the only writer), so
    # open pages get it through the same change feed.
    summary = models.TextField(blank=True, editable=False)
    summary_html = models.TextField(blank=True, editable=False)
    summary_updated = models.DateTimeField(null=True, blank=True, editable=False)
    summary_revision = models.PositiveBigIntegerField(default=0, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.title, self.intro = xml_safe(self.title), xml_safe(self.intro)
        # Rendered only when the intro changed: an intro stored before the
        # HTML limit (issue 17) must not stop the entry going live or ending.
        if not self.intro_html or self.intro != getattr(self, "_loaded_intro", None):
            self.intro_html = render_markdown(self.intro)
        now = timezone.now()
        if self.status != self.Status.DRAFT and self.coverage_start is None:
            self.coverage_start = now
        if self.status == self.Status.ENDED and self.coverage_end is None:
            self.coverage_end = now
        if self.status == self.Status.LIVE:
            self.coverage_end = None
        if not self._state.adding and kwargs.get("update_fields") is None:
            # An instance loaded before an update was posted holds a stale
            # revision; writing it back would hand out the same revision twice.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in WRITTEN_UNDER_LOCK
            ]
        with transaction.atomic(using=kwargs.get("using")):
            before = (
                None
                if self._state.adding
                else Entry.objects.filter(pk=self.pk)
                .values("timezone", "language", "slug", "status")
                .first()
            )
            rerender = before is not None and (
                before["timezone"] != self.timezone or before["language"] != self.language
            )
            # Readers' 404s for its slug (kept a few seconds by the CDN)
            # become its page when it is published, or given that slug.
            appears = self.is_published and (
                before is None
                or before["status"] == self.Status.DRAFT
                or before["slug"] != self.slug
            )
            super().save(*args, **kwargs)
            self._loaded_intro = self.intro
            # Title, intro, status and time zone show on its page, its
            # polls and in the listing.
            purge.entry_changed(
                self.pk,
                listing=True,
                slugs=(self.slug,) if appears else (),
                using=kwargs.get("using"),
            )
            if before is not None and before["status"] != self.status:
                # Open pages learn of the end of coverage (or a reopening,
                # or a return to draft) from their stream.
                push.entry_changed(self.pk, using=kwargs.get("using"))
            if rerender:
                # Stored update fragments show times in the entry's zone and
                # language (updates/apps.py connects the re-rendering).
                rendering_changed.send(sender=Entry, entry_id=self.pk)

    def get_absolute_url(self) -> str:
        return reverse("entries:detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        entry = super().from_db(db, field_names, values)
        # What the intro was when read, cleaned as save() cleans it.
        if "intro" in entry.__dict__:
            entry._loaded_intro = xml_safe(entry.intro)
        return entry

    def clean(self):
        super().clean()
        try:
            validate_markdown(self.intro, gettext("An intro"))
        except ValidationError as error:
            raise ValidationError({"intro": error.messages}) from None

    def delete(self, using=None, keep_parents=False):
        with transaction.atomic(using=using):
            purge.entry_changed(self.pk, listing=True, using=using)
            return super().delete(using=using, keep_parents=keep_parents)

    delete.alters_data = True

    def poll_url(self) -> str:
        # By name only: the poll is the updates app's (updates/urls.py).
        return reverse("updates:poll", kwargs={"slug": self.slug})

    def zone_abbreviation(self) -> str:
        """The zone's short name during the coverage, such as PDT."""
        moment = self.coverage_end or self.coverage_start or timezone.now()
        return moment.astimezone(self.zone).tzname() or self.timezone

    def go_live(self) -> None:
        self.status = self.Status.LIVE
        self.save()

    def end(self) -> None:
        self.status = self.Status.ENDED
        self.save()
