"""What the reader script and the desk script say, in the active language
(liveblog/i18n.py says how it reaches them). Keys are the scripts' names
for each text; a change here is a change to live.js or desk.js."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liveblog.i18n import plural_forms


def reader_text() -> dict:
    return {
        "new_updates": plural_forms(
            lambda n: ngettext("%(count)s new update", "%(count)s new updates", n)
        ),
        "ended": _("This live blog has ended"),
        "live_again": _("This live blog is live again"),
        "gone": _("This live blog is no longer available."),
        "reconnecting": _("Reconnecting…"),
        # Issue 22's share control, ages and "new since your last visit".
        "share": _("Share"),
        "copy": _("Copy link"),
        "share_name": _("Share the update of %(time)s"),
        "copy_name": _("Copy link to the update of %(time)s"),
        "link_name": _("Link to the update of %(time)s"),
        "copied": _("Link copied"),
        "just_now": _("just now"),
        "minutes_ago": plural_forms(
            lambda n: ngettext("%(count)s min ago", "%(count)s min ago", n)
        ),
        "divider": _("New since your last visit"),
        "since_visit": plural_forms(
            lambda n: ngettext(
                "%(count)s new update since your last visit.",
                "%(count)s new updates since your last visit.",
                n,
            )
        ),
        # The first new one is on an earlier page: its count is a lower bound.
        "since_visit_at_least": plural_forms(
            lambda n: ngettext(
                "At least %(count)s new update since your last visit.",
                "At least %(count)s new updates since your last visit.",
                n,
            )
        ),
        "jump_first": _("Jump to the first new update"),
        # static/liveblog/embeds.js's button (issue 22's embeds).
        "load_from": _("Load from %(provider)s"),
    }


def desk_text() -> dict:
    return {
        "updates": plural_forms(lambda n: ngettext("%(count)s update", "%(count)s updates", n)),
        "refused": _("Refused (403): your session may have ended; reload the desk."),
        "not_found": _("Not found (404): it may have been deleted; reload the desk."),
        "too_large": _("Too large for the server (413): send fewer or smaller photos."),
        "server_answered": _("The server answered %(status)s."),
        "signed_out": _("Your session has ended: sign in again in another tab, then retry."),
        "timeout": _("No answer from the server in %(seconds)s s."),
        "timeout_upload": _("No answer from the server in time."),
        "unreachable": _("The server could not be reached."),
        "max_photos": plural_forms(
            lambda n: ngettext(
                "At most %(count)s photo per update.", "At most %(count)s photos per update.", n
            )
        ),
        "no_photos": _("Your account may not add photos."),
        "empty": _("Write something or add a photo."),
        "sending": _("Sending…"),
        "sending_progress": _("Sending… %(percent)s %%"),
        "not_posted": _("Not posted: %(error)s"),
        "posted_typed_since": _(
            "Your earlier update was posted; what you typed since is kept as a new draft."
        ),
        "checking": _("Checking whether it was posted…"),
        "not_posted_yet_retry": _(
            "Not posted yet: %(error)s Your text and photos are kept; post again "
            "(it cannot be posted twice)."
        ),
        "not_posted_retry": _(
            "Not posted: %(error)s Your text and photos are kept; post again "
            "(it cannot be posted twice)."
        ),
        "unconfirmed": _(
            "Not confirmed yet: %(why)s, so whether this update was posted is unknown. "
            "Your text and photos are kept; the desk checks again when the connection is back."
        ),
        "unreachable_why": _("the server could not be reached"),
        "saving_as_edit": _("Saving as an edit…"),
        "confirm_delete": _("Delete this update? Readers' pages will remove it."),
        "not_saved": _("Not saved: %(error)s Your text is kept; save again."),
        "post": _("Post"),
        "post_correction": _("Post correction"),
        "summary_saved": _("Saved: readers see it, updated %(time)s."),
        "summary_removed": _("Saved: readers see no summary."),
    }
