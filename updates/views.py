from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import set_response_etag
from django.utils.translation import gettext as _
from django.views.static import serve

from entries.remembered import MAX_REMEMBERED, EntryState, entry_state
from entries.remembered import lifetime as remembered_lifetime
from liveblog.http import cache_publicly, entry_not_found, json_error, read_only, tag
from liveblog.memo import Timed
from liveblog.purge import entry_tag
from updates import paging
from updates.entry_summary import summary_block
from updates.fragments import permalink
from updates.models import LiveUpdate
from updates.photos import photo_tag
from updates.query import BadParameter, Cursor, parse_before, parse_since


def poll_item(row: dict, zone, entry_url: str) -> dict:
    """An update as the poll and older pages send it, from its stored fragment."""
    return {
        "id": row["id"],
        "revision": row["revision"],
        "headline": row["headline"],
        "html": row["fragment"],
        "published": row["published"].astimezone(zone).isoformat(),
        "updated": row["updated"].astimezone(zone).isoformat(),
        "edited": row["edited"] and row["edited"].astimezone(zone).isoformat(),
        "key_event": row["key_event"],
        "pinned": row["pinned"],
        "url": permalink(row["id"], entry_url),
    }


@dataclass(frozen=True)
class UpToDate:
    """The answer to a reader at (or past) an entry state's revision, encoded."""

    entry: EntryState  # the very object it was built from
    content: bytes
    etag: str


# One per entry being polled, as entries/remembered.py keeps the states.
_up_to_date: Timed[UpToDate] = Timed(remembered_lifetime, MAX_REMEMBERED)


@read_only(json=True)
def poll(request, slug: str):
    """The changes to an entry's updates since a revision, or a page of older
    updates (`before`); see docs/api.md."""
    try:
        since = parse_since(request.GET)
        before = parse_before(request.GET)
        if since is not None and before is not None:
            raise BadParameter(_("Give either 'since' or 'before', not both."))
    except BadParameter as error:
        return json_error(400, str(error))
    # A reader who has seen a later revision than the remembered one is
    # answered from a fresh read (see entries/remembered.py).
    entry = entry_state(slug, at_least=since)
    # Drafts are 404 here for everyone; staff preview them under the admin.
    if entry is None or not entry.is_published:
        return entry_not_found(slug, json=True)
    if since is not None and since >= entry.revision:
        # Nothing new: the most frequent answer the origin gives, the same
        # for every reader while the state is remembered, so encoded and
        # hashed once per state (issue 25), never kept past it.
        answer = _up_to_date.get(
            entry.slug, lambda: up_to_date(entry, since), lambda found: found.entry is entry
        )
        response = HttpResponse(answer.content, content_type="application/json")
        response.known_etag = answer.etag
    else:
        response = JsonResponse(changes(entry, since, before))
    return cache_publicly(response, ended=entry.has_ended, tags=(entry_tag(entry.pk),))


def up_to_date(entry: EntryState, since: int) -> UpToDate:
    response = JsonResponse(changes(entry, since, None))
    # Django's own ETag of these bytes, as ConditionalGetMiddleware would set it.
    set_response_etag(response)
    return UpToDate(entry, response.content, response["ETag"])


def changes(entry: EntryState, since: int | None, before: Cursor | None) -> dict:
    """The poll's answer: a page of older updates, the current state, or what
    changed since a revision."""
    if before is not None:
        page = paging.latest(entry.pk, settings.LIVEBLOG_PAGE_SIZE, before=before)
        return {
            "updates": [poll_item(row, entry.zone, entry.url) for row in page.rows],
            "before": page.before and str(page.before),
        }
    return changes_answer(entry, since)


def changes_answer(entry, since: int | None) -> dict:
    """The poll's answer at `since` (None: the current state); a pushed
    event carries the same (updates/stream.py)."""
    zone = entry.zone
    entry_url = entry.url
    if since is None:
        # The current state, bounded like the page: the latest updates.
        page = paging.latest(entry.pk, settings.LIVEBLOG_PAGE_SIZE, revision=entry.revision)
        updates = sorted(page.rows, key=lambda row: row["revision"])
        revision, deleted, more = entry.revision, [], False
    else:
        batch = LiveUpdate.all_objects.changes_since(
            entry, since, limit=settings.LIVEBLOG_POLL_BATCH
        )
        updates, revision, deleted, more = (
            batch.updates, batch.revision, batch.deleted, batch.more
        )  # fmt: skip
    body = {
        "revision": revision,
        "status": entry.status,
        "poll_interval": entry.poll_interval,
        "updates": [poll_item(row, zone, entry_url) for row in updates],
        "deleted": deleted,
        "more": more,
    }
    if since is None:
        body["before"] = page.before and str(page.before)
    # Its texts and times as the entry's page shows them, whoever asks.
    with translation.override(entry.language_code):
        if since is None or since < entry.summary_revision <= revision:
            # Only when it changed (its edit took a revision in this answer's
            # range): the block's new contents, "" once it is cleared.
            body["summary"] = summary_block(entry.summary_html, entry.summary_updated, zone)
        if since is None or updates or deleted:
            # Any change may pin, unpin, mark or unmark (a tombstone no
            # longer says what it was): the current top of the page.
            found = paging.highlights(entry.pk, zone)
            body["pinned"], body["key_events"] = found.pinned, found.key_events
    return body


@read_only()
def media(request, name: str):
    """A stored photo size from MEDIA_ROOT. Its name never changes meaning
    (updates/photos.py): browsers may keep it for a year, and so may the CDN
    until the photo is deleted, which purges its tag (issue 17)."""
    # photos/<key>-<width>.webp, as the URL pattern allows.
    tags = (photo_tag(name.removeprefix("photos/").partition("-")[0]),)
    try:
        response = serve(request, name, document_root=settings.MEDIA_ROOT)
    except Http404:
        # Tagged too: posting the same file again purges the CDN's short-lived 404.
        return tag(json_error(404, _("No such file.")), tags)
    response["Cache-Control"] = settings.MEDIA_CACHE_CONTROL
    return tag(response, tags)
