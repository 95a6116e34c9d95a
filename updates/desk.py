"""The live desk: one admin page per entry to compose, watch and run it (issue 7).

Reached from the entry admin (updates/admin.py, EntryWithUpdatesAdmin.get_urls), so it is staff-only,
CSRF-protected and never cached like the rest of the admin. The page is
server-rendered; static/liveblog/desk.js posts to the JSON views below and
inserts the HTML they answer with (one partial per stream item,
updates/_desk_update.html). Every write goes through updates/changes.py,
like the admin's own forms, so readers' pages follow through the feed.
"""

import hashlib
import logging
import re
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core import signals
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from entries.models import Entry
from liveblog.http import json_error, unavailable
from liveblog.text import xml_safe
from updates import changes, photos
from updates.fragments import byline
from updates.models import EntryRevision, LiveUpdate, one_line
from updates.photos import MAX_PHOTOS
from updates.query import BadParameter, parse_since
from updates.script_text import desk_text

logger = logging.getLogger(__name__)

# What the desk shows on load; older updates are in the admin's list.
STREAM_SIZE = 50
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9-]{8,64}")


def desk_api(*methods: str):
    """Answer every failure of a desk request as JSON the desk can show (issue 19).

    The admin would answer a refused permission, a missing object, a body
    too large or a crash with an HTML page, which desk.js cannot show; and
    require_http_methods answers 405 with no message at all.
    """

    def decorator(view):
        @never_cache
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = json_error(
                    405, _("Method %(method)s not allowed here.") % {"method": request.method}
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied:
                return json_error(403, _("Your account may not do this; ask an editor."))
            except Http404:
                return json_error(
                    404, _("Not found: it may have just been deleted; reload the desk.")
                )
            except RequestDataTooBig:
                return json_error(413, _("Too large for the server: send fewer or smaller photos."))
            except (BadRequest, SuspiciousOperation) as error:
                return json_error(
                    400, _("The server could not read this request: %(error)s") % {"error": error}
                )
            except Exception:
                # What Django's own handler does for an uncaught exception
                # (error reporting hears of it), then an answer desk.js can show.
                logger.exception("Desk request failed: %s", request.path)
                signals.got_request_exception.send(sender=None, request=request)
                return json_error(
                    500, _("The server failed; nothing may have been saved. Try again shortly.")
                )

        return wrapper

    return decorator


def can(request, action: str, model: str = "liveupdate") -> bool:
    """The model permission the stock admin would check for the same change.

    The desk's URLs are behind `admin_view`, which checks only is_staff;
    every view below names the permission its action needs, as the admin's
    own forms do (photos need add/change on Photo, as the stock inline).
    """
    return request.user.has_perm(f"updates.{action}_{model}")


def may_watch(request) -> bool:
    """Post, and see what is already posted: what the desk page and its
    stream show. Adding alone is what the stock add form allows, which
    shows nothing already posted; seeing needs view (or change) as well."""
    return can(request, "add") and (can(request, "view") or can(request, "change"))


def forbidden(message: str) -> JsonResponse:
    """403 with `message`: "Your account may not …; ask an editor for the permission."."""
    return json_error(403, message)


def stream_item(request, update: LiveUpdate) -> str:
    return render_to_string(
        "updates/_desk_update.html",
        {
            "update": update,
            # Always, unlike readers' fragments: authors need to know whose it is.
            "byline": byline(update.author),
            "can_change": can(request, "change"),
            "can_delete": can(request, "delete"),
            "can_change_photos": can(request, "change", "photo"),
        },
    )


def item_json(request, update: LiveUpdate) -> dict:
    return {"id": update.pk, "revision": update.revision, "html": stream_item(request, update)}


def desk_updates(entry_id: int):
    return (
        LiveUpdate.objects.filter(entry_id=entry_id)
        .select_related("author", "entry")
        .prefetch_related("photos")
        .order_by("-published", "-pk")
    )


def count_of(entry_id: int) -> int:
    return LiveUpdate.objects.filter(entry_id=entry_id).count()


def count_label(count: int) -> str:
    """ "2 updates", its number in the span desk.js keeps current (and with
    it the words: desk_text's "updates" is the same message)."""
    form = ngettext("%(count)s update", "%(count)s updates", count)
    before, _placeholder, after = form.partition("%(count)s")
    return format_html('{}<span class="desk-count-number">{}</span>{}', before, count, after)


@never_cache
def desk(request, admin_site, entry_id: int):
    """The desk page: compose box, entry controls, the latest updates."""
    if not may_watch(request):
        raise PermissionDenied
    entry = get_object_or_404(Entry, pk=entry_id)
    updates = list(desk_updates(entry.pk)[:STREAM_SIZE])
    context = {
        **admin_site.each_context(request),
        "title": _("Live desk: %(title)s") % {"title": entry.title},
        "entry": entry,
        "opts": Entry._meta,
        "stream": [stream_item(request, update) for update in updates],
        "count": count_label(count_of(entry.pk)),
        "script_text": desk_text(),
        "can_change_entry": request.user.has_perm("entries.change_entry"),
        "summary_max_chars": changes.SUMMARY_MAX_CHARS,
        "max_photos": MAX_PHOTOS if can(request, "add", "photo") else 0,
        # desk.js shrinks larger photos to about this width before sending them.
        "largest_photo_width": photos.WIDTHS[-1],
        "poll_interval": settings.LIVEBLOG_POLL_INTERVAL,
    }
    return TemplateResponse(request, "admin/entries/entry/desk.html", context)


@desk_api("GET", "HEAD")
def stream(request, entry_id: int):
    """What changed since a revision, as desk items; drafts included."""
    if not may_watch(request):
        return forbidden(
            _("Your account may not see the posted updates; ask an editor for the permission.")
        )
    entry = (
        Entry.objects.filter(pk=entry_id)
        .only("revision", "status", "timezone", "summary", "summary_updated", "summary_revision")
        .first()
    )
    if entry is None:
        return json_error(404, _("No such entry."))
    try:
        since = parse_since(request.GET)
    except BadParameter as error:
        return json_error(400, str(error))
    if since is None:
        return json_error(
            400, _("The 'since' parameter must be a revision: a whole number from 0.")
        )
    state = EntryRevision(entry.pk, entry.revision)
    batch = LiveUpdate.all_objects.changes_since(state, since, limit=settings.LIVEBLOG_POLL_BATCH)
    changed = desk_updates(entry_id).filter(pk__in=[row["id"] for row in batch.updates])
    body = {
        "revision": batch.revision,
        "status": entry.status,
        "updates": [item_json(request, update) for update in changed],
        "deleted": batch.deleted,
        "more": batch.more,
        "count": count_of(entry_id),
    }
    if since < entry.summary_revision <= batch.revision:
        # Another author's summary, as the reader poll sends it: only when
        # its edit is in this answer's range (desk.js keeps unsaved text).
        body["summary"] = summary_json(entry)
    return JsonResponse(body)


def photo_uploads(request) -> list:
    """The composed photos: file `photo-<n>` with `alt-<n>` and `caption-<n>`."""
    uploads = []
    for index in range(MAX_PHOTOS):
        upload = request.FILES.get(f"photo-{index}")
        if upload is None:
            break
        uploads.append(
            changes.PhotoUpload(
                upload,
                request.POST.get(f"alt-{index}", ""),
                request.POST.get(f"caption-{index}", ""),
            )
        )
    return uploads


def validation_errors(error: ValidationError) -> JsonResponse:
    errors = error.message_dict if hasattr(error, "error_dict") else {"content": error.messages}
    response = JsonResponse(
        {"error": _("Not posted: see the messages."), "errors": errors}, status=400
    )
    return response


def file_digest(upload) -> str:
    # As photos.process names a photo (Photo.key): the uploaded bytes' SHA-256.
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def is_same_composition(update: LiveUpdate, content: str, uploads: list, headline: str) -> bool:
    """Whether a post repeats `update` exactly: headline and text, and each
    photo's file, alt text and caption in order (the double press, the retry)."""
    if (xml_safe(content), one_line(headline)) != (update.content, update.headline):
        return False
    stored = list(update.photos.all())
    return len(stored) == len(uploads) and all(
        (photo.key, photo.alt, photo.caption)
        == (
            file_digest(upload.file),
            xml_safe(upload.alt).strip(),
            xml_safe(upload.caption).strip(),
        )
        for photo, upload in zip(stored, uploads, strict=True)
    )


def posted_before(request, entry_id: int, key: str) -> LiveUpdate | None:
    # The author's own: another author's key never finds someone else's update.
    return desk_updates(entry_id).filter(author=request.user, idempotency_key=key).first()


def repeated(
    request, update: LiveUpdate, content: str, uploads: list, headline: str
) -> JsonResponse:
    """The answer to a key already used: its update again, or 409 when the
    content differs (a correction must not be dropped in silence)."""
    count = count_of(update.entry_id)
    if is_same_composition(update, content, uploads, headline):
        return JsonResponse({**item_json(request, update), "count": count}, status=201)
    same_photos = is_same_composition(update, update.content, uploads, update.headline)
    return JsonResponse(
        {
            "error": _(
                "This composition was already posted, with other content (below). "
                "Post yours as a new update, or apply it to that one as an edit."
            ),
            "existing": item_json(request, update),
            # The desk applies the text alone: offered only when the photos,
            # their alt texts and captions are already the same.
            "can_apply_as_edit": can(request, "change") and same_photos,
            "edit_url": reverse("admin:entries_entry_desk_edit", args=[update.entry_id, update.pk]),
            "count": count,
        },
        status=409,
    )


@desk_api("POST")
def post(request, entry_id: int):
    """Post the composition; a key already used answers with its update."""
    if not can(request, "add"):
        return forbidden(_("Your account may not post updates; ask an editor for the permission."))
    if any(name.startswith("photo-") for name in request.FILES) and not can(
        request, "add", "photo"
    ):
        return forbidden(_("Your account may not add photos; ask an editor for the permission."))
    entry = get_object_or_404(Entry, pk=entry_id)
    key = request.POST.get("key", "")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        return json_error(400, _("Missing or malformed composition key; reload the desk."))
    content = request.POST.get("content", "")
    headline = request.POST.get("headline", "")
    uploads = photo_uploads(request)
    existing = posted_before(request, entry.pk, key)
    if existing is not None:
        return repeated(request, existing, content, uploads, headline)
    try:
        update = changes.post_update(
            entry,
            content,
            author=request.user,
            photos=uploads,
            headline=headline,
            idempotency_key=key,
        )
    except ValidationError as error:
        return validation_errors(error)
    except photos.Busy as busy:
        # Too many photos being processed in this process (issue 17):
        # nothing was posted; the desk may send the same composition again.
        return unavailable(str(busy), photos.RETRY_AFTER_SECONDS, json=True)
    except IntegrityError:
        # The same key, committed by a request a moment earlier.
        existing = posted_before(request, entry.pk, key)
        if existing is None:
            raise
        return repeated(request, existing, content, uploads, headline)
    update = desk_updates(entry.pk).get(pk=update.pk)
    return JsonResponse({**item_json(request, update), "count": count_of(entry.pk)}, status=201)


@desk_api("GET", "HEAD")
def composition(request, entry_id: int, key: str):
    """Whether this author's composition `key` was posted: what the desk asks
    when a post's answer was lost, before it says anything (issue 19)."""
    if not can(request, "add"):
        return forbidden(_("Your account may not post updates; ask an editor for the permission."))
    if not IDEMPOTENCY_KEY.fullmatch(key):
        return json_error(400, _("Malformed composition key."))
    get_object_or_404(Entry, pk=entry_id)
    update = posted_before(request, entry_id, key)
    if update is None:
        return JsonResponse({"posted": False})
    return JsonResponse({"posted": True, **item_json(request, update), "count": count_of(entry_id)})


REVISION = re.compile(r"[0-9]{1,18}")


@desk_api("POST")
def edit(request, entry_id: int, update_id: int):
    """New Markdown and alt texts (`alt-<photo id>`) for an update, from the
    update's `revision` the editor started from: 409 if it changed since."""
    if not can(request, "change"):
        return forbidden(_("Your account may not edit updates; ask an editor for the permission."))
    update = get_object_or_404(desk_updates(entry_id), pk=update_id)
    seen = request.POST.get("revision", "")
    if not REVISION.fullmatch(seen):
        return json_error(400, _("Missing or malformed revision; reload the desk."))
    content = request.POST.get("content", "")
    photos = list(update.photos.all())
    if not can(request, "change", "photo") and any(
        request.POST.get(f"alt-{photo.pk}", photo.alt).strip() != photo.alt for photo in photos
    ):
        return forbidden(
            _("Your account may not change photos' alt texts; ask an editor for the permission.")
        )
    errors = {}
    if not content.strip() and not photos:
        errors["content"] = [_("Write something, or delete the update.")]
    for photo in photos:
        alt = request.POST.get(f"alt-{photo.pk}", photo.alt).strip()
        if not alt:
            errors[f"alt-{photo.pk}"] = [_("Describe the photo in its alt text.")]
        photo.alt = alt
    if not errors:
        try:
            # None from a desk page loaded before headlines: kept as it is.
            headline = request.POST.get("headline")
            changes.edit_update(update, content, photos, int(seen), headline)
        except changes.EditConflict:
            current = desk_updates(entry_id).filter(pk=update.pk).first()
            if current is None:
                return deleted_meanwhile()
            return JsonResponse(
                {
                    "error": _(
                        "Another author changed this update since you started editing. "
                        "Keep your version or take theirs."
                    ),
                    "current": item_json(request, current),
                },
                status=409,
            )
        except ValidationError as error:
            errors = error.message_dict
    if errors:
        return JsonResponse(
            {"error": _("Not saved: see the messages."), "errors": errors}, status=400
        )
    if update.deleted:
        return deleted_meanwhile()
    return JsonResponse(item_json(request, desk_updates(entry_id).get(pk=update.pk)))


@desk_api("POST")
def flags(request, entry_id: int, update_id: int):
    """Pin or unpin, mark or unmark a key event (`pinned`, `key_event`: 0 or 1)."""
    if not can(request, "change"):
        return forbidden(
            _(
                "Your account may not pin updates or mark key events; ask an editor for the permission."
            )
        )
    update = get_object_or_404(LiveUpdate.objects.filter(entry_id=entry_id), pk=update_id)
    values = {}
    for name in ("pinned", "key_event"):
        if name in request.POST:
            if request.POST[name] not in ("0", "1"):
                return json_error(400, _("'%(name)s' must be 0 or 1.") % {"name": name})
            values[name] = request.POST[name] == "1"
    changes.set_flags(update, **values)
    if update.deleted:
        return deleted_meanwhile()
    return JsonResponse(item_json(request, desk_updates(entry_id).get(pk=update.pk)))


def deleted_meanwhile() -> JsonResponse:
    # Another author deleted it after this request read it: the change was
    # dropped (a deletion is final, LiveUpdate.save), as a moment later the
    # update would not have been found.
    return json_error(404, _("This update has just been deleted; nothing was saved."))


@desk_api("POST")
def delete(request, entry_id: int, update_id: int):
    """Delete an update and its photos, as the admin's delete view would allow."""
    if not can(request, "delete"):
        return forbidden(
            _("Your account may not delete updates; ask an editor for the permission.")
        )
    update = get_object_or_404(LiveUpdate.objects.filter(entry_id=entry_id), pk=update_id)
    # The admin refuses to delete an update whose photos the user may not
    # delete (its cascade check); the desk keeps the same rule.
    if not can(request, "delete", "photo") and update.photos.exists():
        return forbidden(_("Your account may not delete photos; ask an editor for the permission."))
    update.delete()
    return JsonResponse({"deleted": update_id, "count": count_of(entry_id)})


@desk_api("POST")
def summary(request, entry_id: int):
    """Replace the entry's summary ("What we know so far", issue 22), from the
    summary's `revision` the editor started from: 409 if it changed since."""
    if not request.user.has_perm("entries.change_entry"):
        return forbidden(
            _("Your account may not change the summary; ask an editor for the permission.")
        )
    get_object_or_404(Entry, pk=entry_id)
    seen = request.POST.get("revision", "")
    if not REVISION.fullmatch(seen):
        return json_error(400, _("Missing or malformed revision; reload the desk."))
    try:
        entry = changes.set_summary(entry_id, request.POST.get("summary", ""), int(seen))
    except ValidationError as error:
        return JsonResponse(
            {"error": _("Not saved: see the messages."), "errors": {"summary": error.messages}},
            status=400,
        )
    except changes.EditConflict:
        current = Entry.objects.get(pk=entry_id)
        return JsonResponse(
            {
                "error": _(
                    "Another author changed the summary since you opened the desk. "
                    "Save again to replace theirs with yours, or reload the desk to see theirs."
                ),
                **summary_json(current),
            },
            status=409,
        )
    return JsonResponse(summary_json(entry))


def summary_json(entry: Entry) -> dict:
    updated = entry.summary_updated and entry.summary_updated.astimezone(entry.zone)
    return {
        "summary": entry.summary,
        "revision": entry.summary_revision,
        "updated": updated and formats.time_format(updated),
    }


@desk_api("POST")
def status(request, entry_id: int):
    """Go live or end coverage, then back to the desk."""
    if not request.user.has_perm("entries.change_entry"):
        raise PermissionDenied
    entry = get_object_or_404(Entry, pk=entry_id)
    action = request.POST.get("action")
    if action == "live":
        entry.go_live()
        messages.success(request, _("%(title)s is live.") % {"title": entry.title})
    elif action == "end":
        entry.end()
        messages.success(
            request,
            _("%(title)s has ended: readers' pages now poll once a minute.")
            % {"title": entry.title},
        )
    else:
        return json_error(400, _("Unknown action."))
    return redirect("admin:entries_entry_desk", entry_id=entry.pk)
