"""Write an entry as a Markdown transcript, the form import_liveblog reads."""

from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

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
            raise CommandError(f"No entry with slug {slug!r}.") from None
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
            self.stderr.write(f"Warning: {problem}")
        with_photos = sum(1 for row in rows if row.photos.all())
        if with_photos:
            self.stderr.write(
                f"Warning: {with_photos} updates have photos: they are written as Markdown "
                "images, which an import gives back as images in the update's text."
            )
        flagged = sum(1 for row in rows if row.key_event or row.pinned)
        if flagged:
            self.stderr.write(
                f"Warning: {flagged} updates are key events or pinned: the form does not "
                "say so, and an import gives them back as plain updates."
            )
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
        else:
            self.stdout.write(text, ending="")
        if updates:
            first_day = updates[0][0].astimezone(zone).date()
            self.stderr.write(
                f"{len(updates)} updates from {first_day} in {zone.key}: import with "
                f"--date {first_day} --timezone {zone.key}"
            )
