from django.conf import settings
from django.shortcuts import get_object_or_404, render

from entries.models import Entry
from liveblog.http import cache_publicly, read_only


@read_only()
def index(request):
    entries = Entry.objects.published()
    response = render(request, "entries/index.html", {"entries": entries.for_listing()})
    return cache_publicly(response)


@read_only()
def detail(request, slug: str):
    # Drafts are previewed under the admin's URL (entries/previews.py).
    entry = get_object_or_404(Entry.objects.published(), slug=slug)
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
    return cache_publicly(response, ended=entry.has_ended)
