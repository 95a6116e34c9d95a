import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from entries.models import Entry
from updates.changes import post_update


class Command(BaseCommand):
    help = "Post a live update (Markdown) to an entry, from the argument or standard input."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The entry's slug.")
        parser.add_argument("content", nargs="?", default="-", help="Markdown; '-' reads stdin.")
        parser.add_argument(
            "--headline", default="", help="Optional plain text shown in bold above it."
        )

    def handle(self, slug, content, headline, **options):
        try:
            entry = Entry.objects.get(slug=slug)
        except Entry.DoesNotExist:
            raise CommandError(_("No entry with slug %(slug)r.") % {"slug": slug}) from None
        if content == "-":
            content = sys.stdin.read()
        if not content.strip():
            raise CommandError(_("The update is empty; nothing was posted."))
        try:
            update = post_update(entry, content.strip(), headline=headline)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            _("Posted update %(id)s at revision %(revision)s.")
            % {"id": update.pk, "revision": update.revision}
        )
