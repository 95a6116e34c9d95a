from django.contrib import admin, messages
from django.db.models import Count, Max, Q
from django.urls import path, reverse
from django.utils.html import format_html

from entries.models import Entry
from updates import desk


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "update_count", "last_update", "post_updates_link"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["post_updates_link", "coverage_start", "coverage_end", "revision"]
    fields = ["title", "slug", "status", "timezone", "intro", *readonly_fields]
    actions = ["go_live", "end_coverage"]

    def get_urls(self):
        # The live desk (updates/desk.py): staff only, through admin_view.
        site = self.admin_site
        view = site.admin_view
        return [
            path(
                "<int:entry_id>/desk/",
                site.admin_view(lambda request, entry_id: desk.desk(request, site, entry_id)),
                name="entries_entry_desk",
            ),
            path(
                "<int:entry_id>/desk/stream/", view(desk.stream), name="entries_entry_desk_stream"
            ),
            path("<int:entry_id>/desk/post/", view(desk.post), name="entries_entry_desk_post"),
            path(
                "<int:entry_id>/desk/status/", view(desk.status), name="entries_entry_desk_status"
            ),
            path(
                "<int:entry_id>/desk/updates/<int:update_id>/edit/",
                view(desk.edit),
                name="entries_entry_desk_edit",
            ),
            path(
                "<int:entry_id>/desk/updates/<int:update_id>/flags/",
                view(desk.flags),
                name="entries_entry_desk_flags",
            ),
            path(
                "<int:entry_id>/desk/updates/<int:update_id>/delete/",
                view(desk.delete),
                name="entries_entry_desk_delete",
            ),
            *super().get_urls(),
        ]

    def view_on_site(self, entry):
        # The preview shows drafts too; the public page would be a 404.
        return reverse("entry_preview", kwargs={"slug": entry.slug})

    def get_queryset(self, request):
        visible = Q(updates__deleted__isnull=True)
        return (
            super()
            .get_queryset(request)
            .annotate(
                update_count=Count("updates", filter=visible),
                last_update=Max("updates__published", filter=visible),
            )
        )

    @admin.display(description="Updates", ordering="update_count")
    def update_count(self, entry):
        return entry.update_count

    @admin.display(description="Last update", ordering="last_update")
    def last_update(self, entry):
        return entry.last_update

    @admin.display(description="Live updates")
    def post_updates_link(self, entry):
        if entry.pk is None:
            return "Save the entry first."

        url = reverse("admin:entries_entry_desk", args=[entry.pk])
        return format_html('<a class="button" href="{}">Post updates</a>', url)

    # permissions=: without it Django offers an action to anyone who may
    # open the list, so a view-only account could publish an embargoed draft.
    @admin.action(description="Go live: publish and start polling", permissions=["change"])
    def go_live(self, request, queryset):
        reopened = [entry.title for entry in queryset if entry.status == Entry.Status.ENDED]
        self._apply(request, queryset, Entry.go_live, "now live")
        if reopened:
            # Ended entries are cached for an hour and their readers have
            # stopped polling; only a reload (after the cache expires) helps.
            self.message_user(
                request,
                f"{', '.join(reopened)} had ended: readers who had it open must reload, "
                "and caches may show it as ended for up to an hour.",
                messages.WARNING,
            )

    @admin.action(description="End coverage: readers stop polling", permissions=["change"])
    def end_coverage(self, request, queryset):
        self._apply(request, queryset, Entry.end, "ended")

    def _apply(self, request, queryset, change, done):
        titles = []
        for entry in queryset:
            change(entry)
            titles.append(entry.title)
        self.message_user(request, f"{', '.join(titles)}: {done}.", messages.SUCCESS)
