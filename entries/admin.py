from django.contrib import admin, messages
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.html import format_html

from entries.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "update_count", "last_update", "post_updates_link"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["post_updates_link", "coverage_start", "coverage_end", "revision"]
    fields = ["title", "slug", "status", "timezone", "intro", *readonly_fields]
    actions = ["go_live", "end_coverage"]

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
        url = reverse("admin:updates_liveupdate_add") + f"?entry={entry.pk}"
        return format_html('<a class="button" href="{}">Post updates</a>', url)

    @admin.action(description="Go live: publish and start polling")
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

    @admin.action(description="End coverage: readers stop polling")
    def end_coverage(self, request, queryset):
        self._apply(request, queryset, Entry.end, "ended")

    def _apply(self, request, queryset, change, done):
        titles = []
        for entry in queryset:
            change(entry)
            titles.append(entry.title)
        self.message_user(request, f"{', '.join(titles)}: {done}.", messages.SUCCESS)
