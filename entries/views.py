from django.shortcuts import render

from entries.models import Entry
from liveblog.http import cache_publicly, read_only
from liveblog.purge import INDEX_TAG


@read_only()
def index(request):
    entries = Entry.objects.published()
    response = render(request, "entries/index.html", {"entries": entries.for_listing()})
    return cache_publicly(response, tags=(INDEX_TAG,))
