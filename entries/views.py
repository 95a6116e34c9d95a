from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from entries import remembered
from entries.models import Entry
from liveblog.http import cache_publicly, entry_not_found, html_error, read_only
from liveblog.purge import INDEX_TAG, entry_tag
from updates import paging


@read_only()
def index(request):
    entries = Entry.objects.published()
    response = render(request, "entries/index.html", {"entries": entries.for_listing()})
    return cache_publicly(response, tags=(INDEX_TAG,))


def render_entry_page(request, entry: Entry, *, live: bool) -> HttpResponse:
    """An entry with its latest updates, or with a page of older ones (`?before=`).

    `live` pages carry the poll URL for the reader script; a staff preview
    (entries/previews.py) is a snapshot, since the public poll endpoint
    answers 404 for drafts.
    """
    try:
        before = paging.parse_before(request.GET)
    except paging.BadCursor as error:
        return html_error(400, "400.html", str(error))
    page = paging.page_fragments(entry.pk, entry.revision, settings.LIVEBLOG_PAGE_SIZE, before)
    # Newest first while live (what is happening now), oldest first once
    # ended (a transcript); the reader script applies a reader's own choice.
    order = "oldest" if entry.has_ended else "newest"
    rows = reversed(page.rows) if order == "oldest" else page.rows
    # The page carries the revision read with the entry: updates written
    # after it may already show below, and the reader script's first poll
    # from that revision brings them again, harmlessly, by id.
    context = {
        "entry": entry,
        "order": order,
        # Stored, sanitised fragments (updates/changes.py): joined, not rendered.
        "updates_html": mark_safe("\n".join(rows)),  # noqa: S308
        "highlights": paging.page_highlights(entry.pk, entry.revision, entry.zone),
        "older_page": before is not None,
        "earlier": page.before and str(page.before),
        "poll_url": entry.poll_url() if live else "",
        "poll_interval": settings.LIVEBLOG_POLL_INTERVAL,
    }
    return render(request, "entries/detail.html", context)


@read_only()
def detail(request, slug: str):
    entry = remembered.entry(slug)
    if entry is None or not entry.is_published:
        # Drafts are previewed under the admin's URL (entries/previews.py).
        return entry_not_found(slug)
    response = render_entry_page(request, entry, live=True)
    if response.status_code != 200:
        return response
    return cache_publicly(response, ended=entry.has_ended, tags=(entry_tag(entry.pk),))
