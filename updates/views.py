from django.conf import settings
from django.http import JsonResponse
from django.template.loader import get_template

from entries.models import Entry
from liveblog.http import cache_publicly, json_error, read_only
from updates.changes import changes_since

# The largest value a PostgreSQL bigint (the revision column) holds.
MAX_REVISION = 2**63 - 1


class BadCursor(ValueError):
    pass


def parse_since(query) -> int | None:
    """The `since` revision from the query string, None when absent."""
    values = query.getlist("since")
    if not values:
        return None
    if len(values) > 1:
        raise BadCursor("The 'since' parameter must be given at most once.")
    value = values[0]
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_REVISION:
        raise BadCursor("The 'since' parameter must be a revision: a whole number from 0.")
    return int(value)


@read_only(json=True)
def poll(request, slug: str):
    """The changes to an entry's updates since a revision; see docs/api.md."""
    entry = Entry.objects.published().filter(slug=slug).first()
    if entry is None:
        return json_error(404, "No such entry.")
    try:
        since = parse_since(request.GET)
    except BadCursor as error:
        return json_error(400, str(error))

    batch = changes_since(entry, since, limit=settings.LIVEBLOG_POLL_BATCH)
    partial = get_template("updates/_update.html")
    entry_url = entry.get_absolute_url()
    zone = entry.zone
    response = JsonResponse(
        {
            "revision": batch.revision,
            "status": entry.status,
            "poll_interval": settings.LIVEBLOG_POLL_INTERVAL,
            "updates": [
                {
                    "id": update.pk,
                    "revision": update.revision,
                    "html": partial.render({"update": update, "zone": zone}).strip(),
                    "published": update.published.astimezone(zone).isoformat(),
                    "updated": update.updated.astimezone(zone).isoformat(),
                    "url": update.permalink(entry_url),
                }
                for update in batch.updates
            ],
            "deleted": batch.deleted,
            "more": batch.more,
        }
    )
    return cache_publicly(response, ended=entry.has_ended)
