"""Write an entry as a Markdown transcript, the form import_liveblog reads."""

from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from entries.models import Entry
from updates import transcript


def photos_of(update) -> list[tuple[str, str, str]]:
    """Each photo's alt text, largest size's URL and caption. The URL is on
    SITE_URL when it is set, so the transcript's images work anywhere;
    without it, a path on this site."""
    origin = settings.SITE_URL + "/" if settings.SITE_URL else ""
    return [
        (photo.alt, urljoin(origin, photo.largest()["url"]), photo.caption)
        for photo in update.photos.all()
    ]


class Command(BaseCommand):
    help = "Write an entry's updates as a Markdown transcript (**HH:MM** text), in its time zone."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The entry's slug.")
        parser.add_argument("--output", metavar="FILE", help="Write here instead of stdout.")

    def handle(self, slug, output, **options):
        try:
            entry = Entry.objects.get(slug=slug)
        except Entry.DoesNotExist:
            raise CommandError(_("No entry with slug %(slug)r.") % {"slug": slug}) from None
        zone = entry.zone
        rows = list(entry.updates.in_page_order().prefetch_related("photos"))
        updates = [
            (row.published, transcript.with_photos(row.content, photos_of(row)), row.headline)
            for row in rows
        ]
        text = transcript.write(updates, zone, preamble=entry.intro)
        # The form has no dates: say which one to import with, and where
        # importing would not give these updates back.
        for problem in transcript.differences(updates, text, zone):
            self.stderr.write(_("Warning: %(problem)s") % {"problem": problem})
        with_photos = sum(1 for row in rows if row.photos.all())
        if with_photos:
            self.stderr.write(
                ngettext(
                    "Warning: %(count)s update has photos: they are written as Markdown "
                    "images, which an import gives back as images in the update's text.",
                    "Warning: %(count)s updates have photos: they are written as Markdown "
                    "images, which an import gives back as images in the update's text.",
                    with_photos,
                )
                % {"count": with_photos}
            )
        flagged = sum(1 for row in rows if row.key_event or row.pinned)
        if flagged:
            self.stderr.write(
                ngettext(
                    "Warning: %(count)s update is a key event or pinned: the form does not "
                    "say so, and an import gives it back as a plain update.",
                    "Warning: %(count)s updates are key events or pinned: the form does not "
                    "say so, and an import gives them back as plain updates.",
                    flagged,
                )
                % {"count": flagged}
            )
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s.")
                    % {"file": output, "error": error.strerror or error}
                ) from None
        else:
            self.stdout.write(text, ending="")
        if updates:
            first_day = updates[0][0].astimezone(zone).date()
            self.stderr.write(
                ngettext(
                    "%(count)s update from %(day)s in %(zone)s: import with "
                    "--date %(day)s --timezone %(zone)s",
                    "%(count)s updates from %(day)s in %(zone)s: import with "
                    "--date %(day)s --timezone %(zone)s",
                    len(updates),
                )
                % {"count": len(updates), "day": first_day, "zone": zone.key}
            )
