from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from entries.models import Entry
from liveblog.http import cache_privately, cache_publicly, read_only, viewer_is_staff


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
    entry = get_object_or_404(Entry, slug=slug)
    staff_preview = not entry.is_published
    if staff_preview and not viewer_is_staff(request):
        raise Http404("No such entry.")
    # The page carries the revision read with the entry: updates written
    # after it may already show below, and the reader script's first poll
    # from that revision brings them again, harmlessly, by id.
    context = {
        "entry": entry,
        "zone": entry.zone,
        "updates": entry.updates.in_page_order(),
        "poll_url": entry.poll_url(),
        "poll_interval": settings.LIVEBLOG_POLL_INTERVAL,
    }
    response = render(request, "entries/detail.html", context)
    if staff_preview:
        return cache_privately(response)
    return cache_publicly(response, ended=entry.has_ended)
