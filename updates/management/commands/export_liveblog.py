"""Write an entry as a Markdown transcript, the form import_liveblog reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from entries.models import Entry
from updates import transcript


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
        updates = list(
            entry.updates.in_page_order().values_list("published", "content", "headline")
        )
        text = transcript.write(updates, zone, preamble=entry.intro)
        # The form has no dates: say which one to import with, and where
        # importing would not give these updates back.
        for problem in transcript.differences(updates, text, zone):
            self.stderr.write(_("Warning: %(problem)s") % {"problem": problem})
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
