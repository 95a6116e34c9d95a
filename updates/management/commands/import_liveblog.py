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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from entries.models import Entry
from liveblog.text import check_length, xml_safe
from updates import transcript
from updates.changes import RefusedUpdate, post_updates
from updates.models import LiveUpdate

# Rows written per post_updates call: bounds the parameters of one INSERT
# (PostgreSQL allows 65,535) and paces the progress lines.
CHUNK = 1_000


def clock(item, zone) -> str:
    """An update's time as the transcript writes it (**HH:MM**), to find its line."""
    return f"{item.published.astimezone(zone):%H:%M}"


def parse_date(value: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--date must be a date as YYYY-MM-DD, got %(value)r.") % {"value": value}
        ) from None


def parse_zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(
            _("--timezone must be an IANA time zone name such as Europe/London, got %(value)r.")
            % {"value": value}
        ) from None


def read_text(path: str) -> str:
    try:
        # What saving would strip (liveblog/text.py), stripped before the
        # check for updates already imported compares texts.
        return xml_safe(Path(path).read_bytes().decode("utf-8-sig"))
    except OSError as error:
        raise CommandError(
            _("Cannot read %(file)s: %(error)s.") % {"file": path, "error": error.strerror or error}
        ) from None
    except UnicodeDecodeError as error:
        raise CommandError(
            _("%(file)s is not UTF-8 text (byte %(byte)s).") % {"file": path, "byte": error.start}
        ) from None


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
                _("%(file)s has no updates: no line starts with a time such as **10:19**.")
                % {"file": file}
            )
        try:
            entry = Entry.objects.get(slug=slug)
        except Entry.DoesNotExist:
            raise CommandError(_("No entry with slug %(slug)r.") % {"slug": slug}) from None
        zone = zone or entry.zone
        timed = transcript.assign_times(items, first_day, zone)
        for item in timed:
            if not item.text:
                # As the desk and the admin refuse it: a headline is not an update.
                raise CommandError(
                    _("%(file)s, line %(line)s: the update at %(time)s has a headline but no text.")
                    % {"file": file, "line": item.line, "time": clock(item, zone)}
                )
            try:
                check_length(item.text, _("The update at %(time)s") % {"time": clock(item, zone)})
            except ValidationError as error:
                raise CommandError(
                    _("%(file)s, line %(line)s: %(error)s")
                    % {"file": file, "line": item.line, "error": error.messages[0]}
                ) from None
        if intro and preamble:
            try:
                check_length(preamble, _("The intro (the text before the first time marker)"))
            except ValidationError as error:
                raise CommandError(f"{file}: {error.messages[0]}") from None
        for item in timed:
            if item.note:
                self.stderr.write(
                    _("line %(line)s: %(note)s.") % {"line": item.line, "note": item.note}
                )
        if preamble and not intro:
            self.stderr.write(
                _("The text before the first time marker was ignored (--intro makes it the intro).")
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
                    raise CommandError(
                        _("%(file)s: the intro: %(error)s")
                        % {"file": file, "error": error.messages[0]}
                    ) from None
            for start in range(0, len(new), CHUNK):
                try:
                    post_updates(entry, [update for _item, update in new[start : start + CHUNK]])
                except RefusedUpdate as error:
                    # Raised inside the transaction: nothing is written.
                    item = new[start + error.position][0]
                    raise CommandError(
                        _("%(file)s, line %(line)s: the update at %(time)s: %(error)s")
                        % {
                            "file": file,
                            "line": item.line,
                            "time": clock(item, zone),
                            "error": error.messages[0],
                        }
                    ) from None
                if len(new) > CHUNK:
                    self.stdout.write(
                        _("  %(done)s of %(total)s written")
                        % {"done": min(start + CHUNK, len(new)), "total": len(new)}
                    )
        entry.refresh_from_db(fields=["revision"])
        skipped = len(timed) - len(new)
        values = {"count": len(new), "slug": entry.slug, "skipped": skipped}
        imported = ngettext(
            "Imported %(count)s update into %(slug)r.",
            "Imported %(count)s updates into %(slug)r.",
            len(new),
        )
        if skipped:
            imported = ngettext(
                "Imported %(count)s update into %(slug)r; %(skipped)s were already there.",
                "Imported %(count)s updates into %(slug)r; %(skipped)s were already there.",
                len(new),
            )
        self.stdout.write(
            imported % values + " " + _("Revision %(revision)s.") % {"revision": entry.revision}
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
