"""A live demo: post plausible updates to a live entry until stopped.

Run it next to `make run` and watch the entry page update by itself. It
posts through post_update, the admin's code path, so every update takes a
revision and reaches open pages by polling like a real one.
"""

import itertools
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from entries.models import Entry
from updates.changes import post_update

TEXTS = [
    "The speaker is back on stage after a short break.",
    "Big applause for that one. **Third** announcement of the morning.",
    "A show of hands: about half the room has upgraded already.",
    "Slides are up: [the deck](https://example.com/slides).",
    "Now on to performance. Numbers, numbers, numbers.",
    "Quick correction to what we wrote earlier: the release is *today*, not tomorrow.",
    "Questions from the floor about the migration path.",
    "The demo gods are kind today: it worked first time.",
    "Three takeaways so far:\n\n1. Faster\n2. Smaller\n3. Easier to upgrade",
]
QUOTES = [
    "> We measured before we optimised, and that changed everything.",
    "> If it isn't tested, it's broken.\n\nThe line of the day so far.",
    "> Most of the work was deleting code.",
]
CODE = [
    "They showed the new API:\n\n```python\nentry.updates.visible().latest('published')\n```",
    "One line in the settings is all it takes:\n\n```python\nLIVEBLOG_POLL_INTERVAL = 5\n```",
]


def plausible_update(number: int, rng: random.Random) -> str:
    """Mostly text, sometimes a quote, now and then some code."""
    roll = rng.random()
    # No key events (post_update(..., key_event=True), issue 7): a key event
    # is what an author picks out at the desk, and filler would crowd the
    # page's key-events list.
    if roll < 0.15:
        return rng.choice(QUOTES)
    if roll < 0.25:
        return rng.choice(CODE)
    return f"{rng.choice(TEXTS)}\n\n_Demo update {number}._"


class Command(BaseCommand):
    help = "Post a plausible update to a live entry every few seconds until stopped (Ctrl+C)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--entry", metavar="SLUG", help="The live entry. Default: the newest live entry."
        )
        parser.add_argument(
            "--every", type=float, default=10.0, metavar="SECONDS", help="Default: 10."
        )
        parser.add_argument(
            "--count", type=int, metavar="N", help="Stop after N updates. Default: never."
        )

    def handle(self, entry, every, count, **options):
        if every < 0 or (count is not None and count < 0):
            raise CommandError(_("--every and --count must not be negative."))
        try:
            entry = self.live_entry(entry)
        except DatabaseError as error:
            raise CommandError(
                _("The database is not ready (%(error)s): is `make run` running?")
                % {"error": error}
            ) from None
        self.stdout.write(
            _("Posting to %(url)s every %(seconds)s s; Ctrl+C stops.")
            % {"url": entry.get_absolute_url(), "seconds": f"{every:g}"}
        )
        rng = random.Random()
        posted = 0
        try:
            for number in itertools.count(1):
                if count is not None and posted >= count:
                    break
                if number > 1:
                    time.sleep(every)
                entry.refresh_from_db(fields=["status"])
                if entry.status != Entry.Status.LIVE:
                    self.stdout.write(
                        _("%(slug)r is no longer live: stopping.") % {"slug": entry.slug}
                    )
                    break
                update = post_update(entry, plausible_update(number, rng))
                posted += 1
                self.stdout.write(
                    _("Posted update %(id)s at revision %(revision)s.")
                    % {"id": update.pk, "revision": update.revision}
                )
        except KeyboardInterrupt:
            # Ctrl+C is how this is meant to end: no traceback.
            self.stdout.write("")
        self.stdout.write(
            ngettext("Stopped after %(count)s update.", "Stopped after %(count)s updates.", posted)
            % {"count": posted}
        )

    def live_entry(self, slug: str | None) -> Entry:
        if slug is None:
            entry = (
                Entry.objects.filter(status=Entry.Status.LIVE).order_by("-coverage_start").first()
            )
            if entry is None:
                raise CommandError(
                    _("No entry is live: make one live in the admin, or run `make run`.")
                )
            return entry
        try:
            entry = Entry.objects.get(slug=slug)
        except Entry.DoesNotExist:
            raise CommandError(_("No entry with slug %(slug)r.") % {"slug": slug}) from None
        if entry.status != Entry.Status.LIVE:
            raise CommandError(
                _(
                    "%(slug)r is %(status)s, not live: only a live entry's readers would see "
                    "the updates."
                )
                % {"slug": slug, "status": entry.get_status_display().lower()}
            )
        return entry
