"""Long entries in pages: the latest updates, and older ones by a cursor.

An entry page shows its latest LIVEBLOG_PAGE_SIZE updates; older ones come
in pages of the same size, newest first, after a cursor
`<published unix seconds>-<update id>` (the oldest update already shown),
`?before=` on the page and on the JSON endpoint (docs/api.md, updates/query.py).
Updates are ordered by (published, id), and published times are whole
seconds, so a cursor names one place in that order for good: a page's URL
always means the same updates, and a CDN may cache it like the page.

Each process also keeps the fragments of the pages it served last, by
entry, revision and cursor (page_fragments): every change to a fragment
takes the entry's next revision (updates/changes.py), so a page read at the
same revision is the same page, and one at a later revision is read again.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q, Subquery
from django.utils import formats, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext

from liveblog.memo import Recent
from updates.fragments import holds, permalink, without_id
from updates.models import LiveUpdate
from updates.query import Cursor
from updates.summary import teaser

# What a page or a poll item needs; never the Markdown source.
ROW_FIELDS = (
    "id", "revision", "fragment", "published", "updated", "edited", "key_event", "pinned",
    "headline",
)  # fmt: skip


@dataclass(frozen=True)
class Page:
    rows: list  # newest first: dicts of ROW_FIELDS, or fragments
    before: Cursor | None  # where the next older page starts, if there is one
    start: Cursor | None = None  # the cursor it was read after; None for the latest


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
    return Page(rows, Cursor.after(rows[-1]) if more else None, before)


# A page of 200 updates is about 100 KB: LIVEBLOG_PAGE_MEMO_SIZE (32) of
# them (pages and highlights alike) are a few MB per process.
_pages: Recent = Recent(lambda: settings.LIVEBLOG_PAGE_MEMO_SIZE)


def page_fragments(entry_id: int, revision: int, size: int, before: Cursor | None) -> Page:
    """latest(…, fragments_only=True), read once per entry revision and cursor.

    The entry must have been read (at `revision`) before this is called: rows
    read after it hold every change up to it (and perhaps later ones, which
    the page may show anyway; see updates/pages.py).
    """
    return _pages.get(
        (entry_id, revision, size, before),
        lambda: latest(entry_id, size, before=before, fragments_only=True),
    )


def page_holding(entry_id: int, revision: int, size: int, update_id: int) -> Page | None:
    """The page an update's permalink shows (`?update=`): the latest page if
    it holds the update, else the page of `size` updates that ends with it,
    what came after it (newest first, so it is the oldest there, and "Load
    earlier updates" goes on from it); None when the entry has no such
    visible update.

    The latest page is usually remembered already (page_fragments); an older
    update takes one query to find where its page starts, and one for the page.
    """
    latest_page = page_fragments(entry_id, revision, size, None)
    if holds(latest_page.rows, update_id):
        return latest_page
    visible = LiveUpdate.objects.filter(entry_id=entry_id)
    published = visible.filter(id=update_id).values("published")[:1]
    newest = (
        visible.filter(
            Q(published__gt=Subquery(published))
            | Q(published=Subquery(published), id__gte=update_id)
        )
        .order_by("published", "id")
        .values_list("published", "id")[size - 1 : size]
    )
    found = next(iter(newest), None)
    if found is None:
        # Fewer than `size` from it to the newest: written since the latest
        # page was read, or gone.
        found = visible.filter(id=update_id).values_list("published", "id").first()
        if found is None:
            return None
    # The place just after that update: ids are whole numbers.
    return page_fragments(entry_id, revision, size, Cursor(found[0], found[1] + 1))


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
        .values_list("id", "fragment", "html", "headline", "published", "pinned", "key_event")
    )
    pinned, items = "", []
    for update_id, fragment, html, headline, published, is_pinned, is_key in rows:
        if is_pinned:
            pinned = without_id(fragment)
        if is_key:
            label = headline or teaser(html) or pgettext("a key event without text", "Update")
            items.append(key_event_item(update_id, label, published.astimezone(zone)))
    return Highlights(pinned, mark_safe("".join(items)))  # noqa: S308


def key_event_item(update_id: int, label: str, local: datetime) -> str:
    """A Key events list item: the update's time and its label (the author's
    headline, else the text's heading or first sentence: updates/summary.py),
    linking to its permalink, which works whichever page of updates is
    loaded (live.js loads the one it is on)."""
    return format_html(
        '<li><a href="{}"><time datetime="{}">{}</time> {}</a></li>',
        permalink(update_id),
        local.isoformat(timespec="seconds"),
        formats.time_format(local),
        label,
    )


def page_highlights(entry_id: int, revision: int, zone) -> Highlights:
    """highlights(), read once per entry revision, zone and language (its
    times' format), like page_fragments."""
    return _pages.get(
        ("highlights", entry_id, revision, str(zone), translation.get_language()),
        lambda: highlights(entry_id, zone),
    )
