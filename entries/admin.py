from django.contrib import admin, messages
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from entries.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """The entry itself. The updates app registers a subclass in its place
    (updates/admin.py) that adds the updates' counts, the live desk and its link."""

    list_display = ["title", "status"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["coverage_start", "coverage_end", "revision"]
    fields = ["title", "slug", "status", "timezone", "language", "intro", *readonly_fields]
    actions = ["go_live", "end_coverage"]

    def view_on_site(self, entry):
        # The preview shows drafts too; the public page would be a 404.
        return reverse("entry_preview", kwargs={"slug": entry.slug})

    # permissions=: without it Django offers an action to anyone who may
    # open the list, so a view-only account could publish an embargoed draft.
    @admin.action(description=_("Go live: publish and start polling"), permissions=["change"])
    def go_live(self, request, queryset):
        reopened = [entry.title for entry in queryset if entry.status == Entry.Status.ENDED]
        self._apply(request, queryset, Entry.go_live, gettext("%(titles)s: now live."))
        if reopened:
            # Open ended pages poll once a minute (live.js); the CDN keeps
            # an ended entry an hour unless it is purged (liveblog/purge.py).
            self.message_user(
                request,
                gettext(
                    "%(titles)s had ended: pages readers have open show it live again within "
                    "about a minute (within the hour if no CDN purging is set up)."
                )
                % {"titles": ", ".join(reopened)},
                messages.WARNING,
            )

    @admin.action(
        description=_("End coverage: readers' pages poll once a minute"), permissions=["change"]
    )
    def end_coverage(self, request, queryset):
        self._apply(request, queryset, Entry.end, gettext("%(titles)s: ended."))

    def _apply(self, request, queryset, change, done: str):
        """`done` names the changed entries by %(titles)s."""
        titles = []
        for entry in queryset:
            change(entry)
            titles.append(entry.title)
        self.message_user(request, done % {"titles": ", ".join(titles)}, messages.SUCCESS)
