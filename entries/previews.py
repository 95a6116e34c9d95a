"""Staff previews of entries, drafts included, under the admin's URL prefix.

Public pages depend on their URL alone: the CDN keeps one copy per URL and
lets no cookie through on public paths (docs/deploy.md), so it could not
tell a signed-in author from a reader there. Under the admin's prefix the
CDN passes everything to the origin as it is, and nothing is cached.

A preview is a snapshot of the page (reload it to see new updates): it
does not poll, since the public poll endpoint answers 404 for drafts.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from entries.models import Entry
from entries.views import render_entry_page
from liveblog.http import cache_privately, read_only


@staff_member_required
@read_only()
def entry_preview(request, slug: str):
    # What the admin's change view asks before showing an entry: view, or
    # change (which implies it), on Entry; being staff is not enough.
    if not (
        request.user.has_perm("entries.view_entry") or request.user.has_perm("entries.change_entry")
    ):
        raise PermissionDenied
    entry = get_object_or_404(Entry, slug=slug)
    return cache_privately(render_entry_page(request, entry, live=False))
