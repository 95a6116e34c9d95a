"""Import a Markdown transcript (`**10:19** text` per update) into an entry.

All or nothing, in one transaction, through the change log (post_updates):
each new update takes its own revision, so open pages follow by polling.
An update with the same published time and text as one already in the
entry is the same update and is skipped, so running an import twice adds
nothing.
"""

import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from entries.models import Entry
from liveblog.text import check_length, xml_safe
from updates import transcript
from updates.changes import RefusedUpdate, post_updates
from updates.models import LiveUpdate

# Rows written per post_updates call: bounds the parameters of one INSERT
# (PostgreSQL allows 65,535) and paces the progress lines.
CHUNK = 1_000


def parse_date(value: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, got {value!r}.") from None


def parse_zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(
            f"--timezone must be an IANA time zone name such as Europe/London, got {value!r}."
        ) from None


def read_text(path: str) -> str:
    try:
        # What saving would strip (liveblog/text.py), stripped before the
        # check for updates already imported compares texts.
        return xml_safe(Path(path).read_bytes().decode("utf-8-sig"))
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
    except UnicodeDecodeError as error:
        raise CommandError(f"{path} is not UTF-8 text (byte {error.start}).") from None


class Command(BaseCommand):
    help = "Import a Markdown transcript of timed updates (**HH:MM** text) into an entry."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The transcript, UTF-8 Markdown.")
        parser.add_argument("--entry", required=True, metavar="SLUG", help="The entry's slug.")
        parser.add_argument(
            "--date", required=True, metavar="YYYY-MM-DD", help="The day of the first update."
        )
        parser.add_argument(
            "--timezone",
            metavar="ZONE",
            help="The zone the times are in, such as Europe/London. Default: the entry's.",
        )
        parser.add_argument(
            "--intro",
            action="store_true",
            help="Make the text before the first time marker the entry's intro.",
        )

    def handle(self, file, entry, date, timezone, intro, **options):
        slug = entry
        # Everything that needs no database is checked first.
        first_day = parse_date(date)
        zone = parse_zone(timezone) if timezone else None
        try:
            preamble, items = transcript.parse(read_text(file))
        except transcript.TranscriptError as error:
            raise CommandError(f"{file}: {error}") from None
        if not items:
            raise CommandError(
                f"{file} has no updates: no line starts with a time such as **10:19**."
            )
        try:
            entry = Entry.objects.get(slug=slug)
        except Entry.DoesNotExist:
            raise CommandError(f"No entry with slug {slug!r}.") from None
        zone = zone or entry.zone
        timed = transcript.assign_times(items, first_day, zone)
        for item in timed:
            if not item.text:
                # As the desk and the admin refuse it: a headline is not an update.
                raise CommandError(
                    f"{file}, line {item.line}: the update at "
                    f"{item.published.astimezone(zone):%H:%M} has a headline but no text."
                )
            try:
                check_length(item.text, f"The update at {item.published.astimezone(zone):%H:%M}")
            except ValidationError as error:
                raise CommandError(f"{file}, line {item.line}: {error.messages[0]}") from None
        if intro and preamble:
            try:
                check_length(preamble, "The intro (the text before the first time marker)")
            except ValidationError as error:
                raise CommandError(f"{file}: {error.messages[0]}") from None
        for item in timed:
            if item.note:
                self.stderr.write(f"line {item.line}: {item.note}.")
        if preamble and not intro:
            self.stderr.write(
                "The text before the first time marker was ignored (--intro makes it the intro)."
            )

        with transaction.atomic():
            # The lock orders this import after any update being posted now,
            # so the check for updates already there sees them all.
            entry = Entry.objects.select_for_update().get(pk=entry.pk)
            new = self.new_updates(entry, timed)
            if intro and preamble and entry.intro != preamble:
                entry.intro = preamble
                try:
                    entry.save()
                except ValidationError as error:
                    raise CommandError(f"{file}: the intro: {error.messages[0]}") from None
            for start in range(0, len(new), CHUNK):
                try:
                    post_updates(entry, [update for _, update in new[start : start + CHUNK]])
                except RefusedUpdate as error:
                    # Raised inside the transaction: nothing is written.
                    item = new[start + error.position][0]
                    raise CommandError(
                        f"{file}, line {item.line}: the update at "
                        f"{item.published.astimezone(zone):%H:%M}: {error.messages[0]}"
                    ) from None
                if len(new) > CHUNK:
                    self.stdout.write(f"  {min(start + CHUNK, len(new))} of {len(new)} written")
        entry.refresh_from_db(fields=["revision"])
        skipped = len(timed) - len(new)
        self.stdout.write(
            f"Imported {len(new)} updates into {entry.slug!r}"
            + (f"; {skipped} were already there" if skipped else "")
            + f". Revision {entry.revision}."
        )

    def new_updates(
        self, entry: Entry, timed: list[transcript.Timed]
    ) -> list[tuple[transcript.Timed, LiveUpdate]]:
        """The updates not in the entry yet; the same time and text is the same update."""
        seen = set(entry.updates.values_list("published", "content"))
        new = []
        for item in timed:
            key = (item.published, item.text)
            if key not in seen:
                seen.add(key)
                update = LiveUpdate(
                    content=item.text, headline=item.headline, published=item.published
                )
                new.append((item, update))
        return new
