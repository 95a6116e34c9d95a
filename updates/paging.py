"""Long entries in pages: the latest updates, and older ones by a cursor.

An entry page shows its latest LIVEBLOG_PAGE_SIZE updates; older ones come
in pages of the same size, newest first, after a cursor
`<published unix seconds>-<update id>` (the oldest update already shown),
`?before=` on the page and on the JSON endpoint (docs/api.md). Updates are
ordered by (published, id), and published times are whole seconds, so a
cursor names one place in that order for good: a page's URL always means
the same updates, and a CDN may cache it like the page.

Each process also keeps the fragments of the pages it served last, by
entry, revision and cursor (page_fragments): every change to a fragment
takes the entry's next revision (updates/changes.py), so a page read at the
same revision is the same page, and one at a later revision is read again.
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape

from django.conf import settings
from django.db.models import Q
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from updates.models import LiveUpdate

CURSOR = re.compile(r"[0-9]{1,12}-[0-9]{1,19}")
FRAGMENT_TIME = re.compile(r'<time datetime="([^"]+)"')
FRAGMENT_ID = re.compile(r'id="update-([0-9]+)"')
# The largest value a PostgreSQL bigint (ids, revisions) holds.
MAX_BIGINT = 2**63 - 1
# What a page or a poll item needs; never the Markdown source.
ROW_FIELDS = ("id", "revision", "fragment", "published", "updated", "edited", "key_event", "pinned")


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    published: datetime
    id: int

    def __str__(self) -> str:
        return f"{int(self.published.timestamp())}-{self.id}"

    @classmethod
    def after(cls, row: dict | str) -> "Cursor":
        if isinstance(row, dict):
            return cls(row["published"], row["id"])
        # The page reads fragments only (turning 200 rows into dicts with
        # datetimes costs more than the rest of the query); a fragment names
        # its update and its published time, as the reader script reads them.
        published = datetime.fromisoformat(FRAGMENT_TIME.search(row).group(1))
        return cls(published, int(FRAGMENT_ID.search(row).group(1)))


def parse_before(query) -> Cursor | None:
    """The `before` cursor from the query string, None when absent."""
    values = query.getlist("before")
    if not values:
        return None
    message = "The 'before' parameter must be a cursor <published unix seconds>-<update id>."
    if len(values) > 1 or not CURSOR.fullmatch(values[0]):
        raise BadCursor(message)
    seconds, update_id = (int(part) for part in values[0].split("-"))
    try:
        published = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise BadCursor(message) from error
    if update_id > MAX_BIGINT:
        raise BadCursor(message)
    return Cursor(published, update_id)


@dataclass(frozen=True)
class Page:
    rows: list  # newest first: dicts of ROW_FIELDS, or fragments
    before: Cursor | None  # where the next older page starts, if there is one


def latest(
    entry_id: int, size: int, before: Cursor | None = None, revision=None, fragments_only=False
) -> Page:
    """The newest `size` visible updates of an entry, older than `before` if given.

    One indexed query (the partial index visible_newest_first) at any
    length of entry. `revision` leaves out rows changed after it, for
    answers that claim to be the state at that revision.
    """
    rows = LiveUpdate.objects.filter(entry_id=entry_id)
    if before is not None:
        rows = rows.filter(
            Q(published__lt=before.published) | Q(published=before.published, id__lt=before.id)
        )
    if revision is not None:
        rows = rows.filter(revision__lte=revision)
    rows = rows.order_by("-published", "-id")
    rows = rows.values_list("fragment", flat=True) if fragments_only else rows.values(*ROW_FIELDS)
    rows = list(rows[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, Cursor.after(rows[-1]) if more else None)


# A page of 200 updates is about 100 KB: LIVEBLOG_PAGE_MEMO_SIZE (32) of
# them are a few MB per process.
_pages: OrderedDict[tuple, Page] = OrderedDict()
# gunicorn's gthread workers serve several requests of one process at once:
# an eviction between another thread's lookup and its move_to_end would fail.
_pages_lock = threading.Lock()


def page_fragments(entry_id: int, revision: int, size: int, before: Cursor | None) -> Page:
    """latest(…, fragments_only=True), read once per entry revision and cursor.

    The entry must have been read (at `revision`) before this is called: rows
    read after it hold every change up to it (and perhaps later ones, which
    the page may show anyway; see entries.views.detail).
    """
    key = (entry_id, revision, size, before)
    with _pages_lock:
        page = _pages.get(key)
        if page is not None:
            _pages.move_to_end(key)
            return page
    page = latest(entry_id, size, before=before, fragments_only=True)
    with _pages_lock:
        _pages[key] = page
        while len(_pages) > settings.LIVEBLOG_PAGE_MEMO_SIZE:
            _pages.popitem(last=False)
    return page


@dataclass(frozen=True)
class Highlights:
    pinned: str  # a copy of the pinned update's fragment, without its id; or ""
    key_events: str  # <li> items, oldest first; or ""


def highlights(entry_id: int, zone) -> Highlights:
    """The pinned update and the key events of an entry: one query at any size.

    Both show at the top of the page whatever page of updates holds them.
    """
    rows = (
        LiveUpdate.objects.filter(entry_id=entry_id)
        .filter(Q(pinned=True) | Q(key_event=True))
        .order_by("published", "id")
        .values_list("id", "fragment", "html", "published", "pinned", "key_event")
    )
    pinned, items = "", []
    for update_id, fragment, html, published, is_pinned, is_key in rows:
        if is_pinned:
            # The copy must not take the original's id: links and the reader
            # script find the update in the stream by it.
            pinned = fragment.replace(f' id="update-{update_id}"', "", 1)
        if is_key:
            items.append(key_event_item(update_id, html, published.astimezone(zone)))
    return Highlights(pinned, mark_safe("".join(items)))  # noqa: S308


def key_event_item(update_id: int, html: str, local: datetime) -> str:
    """A Key events list item: the update's time and its first line, linking to it."""
    text = next((line for line in strip_tags(html).splitlines() if line.strip()), "Update")
    return format_html(
        '<li><a href="#update-{}"><time datetime="{}">{}</time> {}</a></li>',
        update_id,
        local.isoformat(timespec="seconds"),
        local.strftime("%H:%M"),
        Truncator(unescape(text.strip())).chars(100),
    )


def page_highlights(entry_id: int, revision: int, zone) -> Highlights:
    """highlights(), read once per entry revision and zone, like page_fragments."""
    key = ("highlights", entry_id, revision, str(zone))
    with _pages_lock:
        found = _pages.get(key)
        if found is not None:
            _pages.move_to_end(key)
            return found
    found = highlights(entry_id, zone)
    with _pages_lock:
        _pages[key] = found
        while len(_pages) > settings.LIVEBLOG_PAGE_MEMO_SIZE:
            _pages.popitem(last=False)
    return found


def forget_pages() -> None:
    """For tests, whose rolled-back databases hand out the same ids again."""
    _pages.clear()
