from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from entries.models import Entry
from liveblog.http import cache_privately, cache_publicly, html_error, read_only, viewer_is_staff
from updates import paging


@read_only()
def index(request):
    staff = viewer_is_staff(request)
    entries = Entry.objects.all() if staff else Entry.objects.published()
    response = render(request, "entries/index.html", {"entries": entries.for_listing()})
    if staff:
        return cache_privately(response)
    return cache_publicly(response)


@read_only()
def detail(request, slug: str):
    """An entry with its latest updates, or with a page of older ones (`?before=`)."""
    try:
        before = paging.parse_before(request.GET)
    except paging.BadCursor as error:
        return html_error(400, "400.html", str(error))
    entry = get_object_or_404(Entry, slug=slug)
    staff_preview = not entry.is_published
    if staff_preview and not viewer_is_staff(request):
        raise Http404("No such entry.")
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
        "older_page": before is not None,
        "earlier": page.before and str(page.before),
        "poll_url": entry.poll_url(),
        "poll_interval": settings.LIVEBLOG_POLL_INTERVAL,
    }
    response = render(request, "entries/detail.html", context)
    if staff_preview:
        return cache_privately(response)
    return cache_publicly(response, ended=entry.has_ended)
