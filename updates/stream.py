"""An entry's stream of changes, held open by a GRIP proxy (issue 21).

liveblog/push.py states the contract. This module is what it needs of the
updates: the stream view, which answers each reader's connection once, and
the event each commit publishes. Both carry the poll's answer
(updates/views.py changes_answer) with its `base`, so the reader script
applies a pushed event and a poll answer with the same code (docs/api.md).

A page may miss an event published while its connection was being set up
(between the opening event and the proxy subscribing it to the channel),
and events from different server processes may overlap or cross: the
next event's `base` is then above the page's revision and the page
polls, an old one changes nothing, and the page's slow safety-net poll
covers an entry that falls silent meanwhile.
"""

import re

from django.http import HttpResponse
from django.utils.translation import gettext as _

from entries.remembered import read_state, read_state_by_id
from liveblog import push
from liveblog.http import entry_not_found, json_error, read_only
from updates.views import changes_answer

# A revision, as `id:` lines state them; anything else is not ours.
LAST_EVENT_ID = re.compile(r"[0-9]{1,15}")


def event_for(entry, base: int | None) -> push.Event:
    """The event that takes a page at revision `base` (None, or a revision
    the entry has not reached: its current one) to the entry's revision."""
    if base is None or base > entry.revision:
        base = entry.revision
    data = {"base": base, **changes_answer(entry, base)}
    event = push.Event(push.channel(entry.pk), data["revision"], data)
    if data["more"] or len(event.text().encode()) > push.MAX_EVENT_BYTES:
        # Too much for one event (an import): pages fetch it by polling.
        revision = {"base": base, "revision": entry.revision}
        return push.Event(push.channel(entry.pk), entry.revision, revision)
    return event


def published_event(entry_id: int, base: int | None) -> push.Event | None:
    """What a commit publishes (push.build_events_with, updates/apps.py):
    built after the commit, from the entry as it is then."""
    entry = read_state_by_id(entry_id)
    if entry is None:
        return None
    if not entry.is_published:
        # Back to a draft: pages that poll now get the 404 and stop.
        return push.Event(push.channel(entry.pk), entry.revision, {"revision": entry.revision})
    return event_for(entry, base)


def last_event_id(request) -> int | None:
    """The revision a reconnecting browser saw last (Last-Event-ID).

    Ignored rather than refused when it is not one of ours: it is a hint
    to resume from, and the opening event then starts from the current
    revision, which makes a page that is behind poll.
    """
    value = request.headers.get("Last-Event-ID", "").strip()
    return int(value) if LAST_EVENT_ID.fullmatch(value) else None


@read_only(json=True)
def events(request, slug: str):
    """A reader's stream: answered once, for the GRIP proxy to hold (docs/api.md)."""
    if not push.verified_proxy(request):
        # Readers reaching the origin directly poll instead.
        return json_error(404, _("No stream here; poll the updates instead."))
    seen = last_event_id(request)
    # Read now, not from the memo: an event published from a commit the
    # memo's state predates would be a gap this reader never hears of
    # until the next event or its safety-net poll. One query per
    # connection, never per update.
    entry = read_state(slug)
    if entry is None or not entry.is_published:
        return entry_not_found(slug, json=True)
    response = HttpResponse(event_for(entry, seen).text(), content_type="text/event-stream")
    return push.hold_stream(response, entry.pk)
