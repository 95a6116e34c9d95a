"""The entry page: an entry with its updates, for readers and as a staff preview.

Readers' pages are public, the same for everyone: the CDN keeps one copy
per URL and lets no cookie through on public paths (docs/deploy.md), so it
could not tell a signed-in author from a reader there. Staff preview
entries, drafts included, under the admin's URL prefix instead, where the
CDN passes everything to the origin as it is and nothing is cached.

A preview is a snapshot of the page (reload it to see new updates): it
does not poll, since the public poll endpoint answers 404 for drafts.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from entries import remembered
from entries.models import Entry
from liveblog import push
from liveblog.http import cache_privately, cache_publicly, entry_not_found, html_error, read_only
from liveblog.purge import entry_tag
from updates import fragments, paging
from updates.query import BadParameter, parse_before, parse_update


def render_entry_page(request, entry: Entry, *, live: bool) -> HttpResponse:
    """An entry with its latest updates, a page of older ones (`?before=`), or
    the page that holds an update (`?update=`, its permalink).

    `live` pages carry the poll URL for the reader script; a staff preview
    is a snapshot, since the public poll endpoint answers 404 for drafts.
    """
    try:
        before = parse_before(request.GET)
        update_id = parse_update(request.GET)
        if before is not None and update_id is not None:
            raise BadParameter("Give either 'before' or 'update', not both.")
    except BadParameter as error:
        return html_error(400, "400.html", str(error))
    size = settings.LIVEBLOG_PAGE_SIZE
    page = missing_update = None
    if update_id is not None:
        page = paging.page_holding(entry.pk, entry.revision, size, update_id)
        # Deleted, or never this entry's: the latest updates, saying so
        # (a 404 would leave an old share's reader with nothing to read).
        missing_update = page is None
        before = page.start if page is not None else None
    if page is None:
        page = paging.page_fragments(entry.pk, entry.revision, size, before)
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
        # Stored, sanitised fragments (updates/fragments.py): joined, not rendered.
        "updates_html": mark_safe("\n".join(rows)),  # noqa: S308
        "highlights": paging.page_highlights(entry.pk, entry.revision, entry.zone),
        "older_page": before is not None,
        "missing_update": missing_update,
        "earlier": page.before and str(page.before),
        # An older page's way back up: the page that ends with its newest update.
        "newer_url": before is not None
        and page.rows
        and fragments.permalink(fragments.order_of(page.rows[0])[1]),
        "latest_url": latest_url(entry, page, older=before is not None),
        "poll_url": entry.poll_url() if live else "",
        # Only with a GRIP proxy in front: without one the stream is a 404.
        "stream_url": live
        and push.enabled()
        and reverse("updates:events", kwargs={"slug": entry.slug}),
        "poll_interval": entry.poll_interval,
    }
    return render(request, "entries/detail.html", context)


def latest_url(entry: Entry, page: paging.Page, *, older: bool) -> str:
    """Where "Skip to the latest update" leads: the newest update on the
    latest page (the reader script moves it as updates arrive), or that page."""
    if older:
        return entry.get_absolute_url()
    if not page.rows:
        return "#updates"
    return "#" + fragments.anchor(fragments.order_of(page.rows[0])[1])


@read_only()
def detail(request, slug: str):
    entry = remembered.entry(slug)
    if entry is None or not entry.is_published:
        # Drafts are previewed under the admin's URL (entry_preview below).
        return entry_not_found(slug)
    response = render_entry_page(request, entry, live=True)
    if response.status_code != 200:
        return response
    return cache_publicly(response, ended=entry.has_ended, tags=(entry_tag(entry.pk),))


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
