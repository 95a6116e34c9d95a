from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse

from updates.models import LiveUpdate


@admin.register(LiveUpdate)
class LiveUpdateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "entry", "published", "author", "key_event", "pinned"]
    list_select_related = ["entry", "author"]
    list_filter = ["entry"]
    search_fields = ["content"]
    ordering = ["-published", "-pk"]
    autocomplete_fields = ["entry"]
    date_hierarchy = "published"
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 14, "cols": 90})},
    }

    def get_fields(self, request, obj=None):
        # A new update is stamped when it is saved, not when the form was
        # opened; the time can be corrected afterwards.
        flags = ["key_event", "pinned"]
        return ["entry", "content", "published", *flags] if obj else ["entry", "content", *flags]

    def get_readonly_fields(self, request, obj=None):
        # Moving an update between entries would leave it in the first
        # entry's readers' pages: delete it and post it again instead.
        return ["entry"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST:
            # The next update almost always goes to the same entry.
            response["Location"] = (
                reverse("admin:updates_liveupdate_add") + f"?entry={obj.entry_id}"
            )
        return response
