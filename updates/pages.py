"""The entry page: an entry with its updates, for readers and as a staff preview.

Readers' pages are public, the same for everyone: the CDN keeps one copy
per URL and lets no cookie through on public paths (docs/deploy.md), so it
could not tell a signed-in author from a reader there. Staff preview
entries, drafts included, under the admin's URL prefix instead, where the
CDN passes everything to the origin as it is and nothing is cached.

A preview is a snapshot of the page (reload it to see new updates): it
does not poll, since the public poll endpoint answers 404 for drafts.

A reader's page, once rendered, is kept as bytes with its ETag for as
long as the remembered entry it was rendered from (entries/remembered.py,
a second): rendering 200 updates' fragments into the template and hashing
the result cost several times the rest of the request (issue 25), and
within that second every reader of the same URL gets the same bytes
anyway. A change shows no later than it does without this memo: a new
read of the entry is a new object, and a page rendered from the old one
is never served with it. Previews are never kept.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import set_response_etag
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from entries import remembered
from entries.models import Entry
from liveblog import push
from liveblog.http import cache_privately, cache_publicly, entry_not_found, html_error, read_only
from liveblog.memo import Timed
from liveblog.purge import entry_tag
from updates import fragments, paging
from updates.entry_summary import summary_block
from updates.query import BadParameter, Cursor, parse_before, parse_update
from updates.script_text import reader_text

# A page of 200 updates is about 130 KB: a few MB per process. More URLs
# than this read within one second start the memo afresh (liveblog/memo.py).
MAX_RENDERED = 32


@dataclass(frozen=True)
class RenderedPage:
    entry: Entry  # the very object it was rendered from
    content: bytes
    etag: str


_rendered: Timed[RenderedPage] = Timed(remembered.lifetime, MAX_RENDERED)


def page_query(request) -> tuple[Cursor | None, int | None]:
    """`?before=` (a page of older updates) or `?update=` (the page holding
    an update, its permalink), at most one of them; BadParameter otherwise."""
    before = parse_before(request.GET)
    update_id = parse_update(request.GET)
    if before is not None and update_id is not None:
        raise BadParameter(_("Give either 'before' or 'update', not both."))
    return before, update_id


def render_entry_page(request, entry: Entry, *, live: bool) -> HttpResponse:
    """An entry with its latest updates, a page of older ones (`?before=`), or
    the page that holds an update (`?update=`, its permalink).

    `live` pages carry the poll URL for the reader script; a staff preview
    is a snapshot, since the public poll endpoint answers 404 for drafts.
    """
    try:
        before, update_id = page_query(request)
    except BadParameter as error:
        return html_error(400, "400.html", str(error))
    return HttpResponse(page_html(request, entry, live=live, before=before, update_id=update_id))


def page_html(
    request, entry: Entry, *, live: bool, before: Cursor | None, update_id: int | None
) -> str:
    # In the entry's language, never the reader's: one copy per URL.
    with translation.override(entry.language_code):
        return entry_page_html(request, entry, live=live, before=before, update_id=update_id)


def entry_page_html(
    request, entry: Entry, *, live: bool, before: Cursor | None, update_id: int | None
) -> str:
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
        "summary": summary_block(entry.summary_html, entry.summary_updated, entry.zone),
        "older_page": before is not None,
        "missing_update": missing_update,
        # The update a permalink shares: its headline titles the link preview.
        "shared_update": update_id,
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
        "script_text": reader_text(),
    }
    return render_to_string("entries/detail.html", context, request)


def remembered_page(
    request, entry: Entry, before: Cursor | None, update_id: int | None
) -> RenderedPage:
    """The reader's page at this URL (its query read by page_query), rendered
    from `entry` or remembered from a render of the very same remembered
    entry (see the module's doc).

    Keyed by everything else the bytes depend on: the path and query (the
    page shown, and an older page's canonical link) and, without SITE_URL,
    the scheme and host its absolute URLs are made of (liveblog/site.py).
    """

    def render() -> RenderedPage:
        html = page_html(request, entry, live=True, before=before, update_id=update_id)
        response = HttpResponse(html)
        # Django's own ETag of these bytes, as ConditionalGetMiddleware sets it.
        set_response_etag(response)
        return RenderedPage(entry, response.content, response["ETag"])

    origin = "" if settings.SITE_URL else request.build_absolute_uri("/")
    return _rendered.get(
        (entry.pk, request.get_full_path(), origin), render, lambda page: page.entry is entry
    )


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
    try:
        before, update_id = page_query(request)
    except BadParameter as error:
        return html_error(400, "400.html", str(error))
    page = remembered_page(request, entry, before, update_id)
    response = HttpResponse(page.content)
    cache_publicly(response, ended=entry.has_ended, tags=(entry_tag(entry.pk),))
    # Not hashed again: ConditionalGetMiddleware sets it where it would
    # have set its own, so the headers stay the same, in the same order.
    response.known_etag = page.etag
    return response


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
