"""Small factories: every test says what it needs and gets sensible rest."""

from itertools import count

from entries.models import Entry
from updates.models import LiveUpdate

_numbers = count(1)

# The stock admin's update form has an inline for photos: a post without
# any sends its management form empty.
NO_PHOTOS = {"photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0"}


def make_entry(**overrides) -> Entry:
    number = next(_numbers)
    fields = {
        "title": f"Event {number}",
        "slug": f"event-{number}",
        "status": Entry.Status.LIVE,
        "timezone": "UTC",
    }
    fields.update(overrides)
    return Entry.objects.create(**fields)


def make_update(entry: Entry, content: str = "Something happened.", **fields) -> LiveUpdate:
    update = LiveUpdate(entry=entry, content=content, **fields)
    update.save()
    return update
