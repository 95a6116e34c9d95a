"""The admin of updates and photos, and what the updates app adds to the entry's.

The entry admin (entries/admin.py) knows nothing of updates: the subclass
registered in its place here adds each entry's update count and last
update, and the live desk (updates/desk.py) with its URLs and its link.
"""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Max, Q, TextField
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from entries.admin import EntryAdmin
from entries.models import Entry
from liveblog.http import unavailable
from updates import desk, photos
from updates.changes import PhotoFiles
from updates.models import LiveUpdate, Photo
from updates.photos import MAX_PHOTOS
from updates.revisions import lock_entry


class ChangedMeanwhile(Exception):
    """The update changed between the form's check and its save (LiveUpdateForm)."""


class LiveUpdateForm(forms.ModelForm):
    """The update's form, which refuses to overwrite a change made after it
    was opened (issue 19): the revision it was opened at rides along."""

    seen_revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["seen_revision"]
        else:
            # Not required: a form opened before the field existed still
            # saves, as it always did; every form rendered now carries it.
            self.fields["seen_revision"].initial = self.instance.revision

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_revision")
        if self.instance.pk is None or seen is None:
            return cleaned
        current = (
            LiveUpdate.all_objects.filter(pk=self.instance.pk).values("revision", "content").first()
        )
        if current is not None and current["revision"] != seen:
            # Saving again means "keep mine": the form now carries the
            # revision the author has just been shown.
            self.data = self.data.copy()
            self.data[self.add_prefix("seen_revision")] = str(current["revision"])
            raise forms.ValidationError(
                _(
                    "Another author changed this update after you opened it. Its text is now: "
                    "“%(theirs)s”. Save again to replace it with yours, or reload the page to "
                    "take theirs."
                ),
                code="changed",
                params={"theirs": current["content"]},
            )
        return cleaned

    def is_unchanged_under_lock(self) -> bool:
        """In the save's transaction: still the revision clean() checked,
        with the entry locked so that no write slips in before the commit."""
        lock_entry(self.instance.entry_id, count=0)
        current = LiveUpdate.all_objects.filter(pk=self.instance.pk).values("revision").first()
        seen = self.cleaned_data.get("seen_revision")
        return current is None or seen is None or current["revision"] == seen


class PhotoForm(forms.ModelForm):
    """A photo with its alt text; the file is required only for a new one."""

    image = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        label=_("image"),
        help_text=_("JPEG, PNG, WebP or GIF, at most 20 MB."),
    )

    class Meta:
        model = Photo
        fields = ["image", "alt", "caption", "position"]
        widgets = {"alt": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload is None:
            if self.instance.pk is None and self.has_changed():
                raise forms.ValidationError(_("Choose a photo."))
            return None
        self.processed = photos.process(upload)
        return upload

    # The save's PhotoFiles (LiveUpdateAdmin.changeform_view): set before saving.
    photo_files: PhotoFiles

    def save(self, commit=True):
        processed = getattr(self, "processed", None)
        if processed is not None:
            if self.instance.pk is not None:
                # A new file for this photo: the old one's files go after commit.
                Photo.remove_files_after_commit(self.instance.key, self.instance.files)
            self.instance.key = processed.key
            # In the admin's transaction, under the files' lock; removed
            # again if that transaction does not commit.
            (self.instance.files,) = self.photo_files.claim([processed])
        return super().save(commit)


class PhotoInline(admin.StackedInline):
    model = Photo
    form = PhotoForm
    extra = 1
    # As many as the desk takes (photos.MAX_PHOTOS); Django's own
    # limit would be 1,000 forms, each processed before any count is checked.
    max_num = MAX_PHOTOS

    def get_formset(self, request, obj=None, **kwargs):
        # absolute_max: a forged TOTAL_FORMS above it is refused before any
        # photo form is built, let alone processed.
        kwargs.setdefault("absolute_max", self.max_num)
        kwargs.setdefault("validate_max", True)
        return super().get_formset(request, obj, **kwargs)


@admin.register(LiveUpdate)
class LiveUpdateAdmin(admin.ModelAdmin):
    form = LiveUpdateForm
    inlines = [PhotoInline]
    list_display = ["__str__", "entry", "published", "author", "key_event", "pinned"]
    list_select_related = ["entry", "author"]
    list_filter = ["entry"]
    search_fields = ["content"]
    ordering = ["-published", "-pk"]
    autocomplete_fields = ["entry"]
    date_hierarchy = "published"
    formfield_overrides = {
        TextField: {"widget": forms.Textarea(attrs={"rows": 14, "cols": 90})},
    }

    def changeform_view(self, request, *args, **kwargs):
        try:
            try:
                return self.changeform_with_files(request, *args, **kwargs)
            except ChangedMeanwhile:
                # Another save committed between this form's check and its
                # own (save_model): validated again, the form now says so.
                return self.changeform_with_files(request, *args, **kwargs)
        except photos.Busy as busy:
            # Too many photos being processed at once in this process (issue
            # 17): nothing was saved; the author sends the form again.
            return unavailable(str(busy), photos.RETRY_AFTER_SECONDS, json=False)

    def changeform_with_files(self, request, *args, **kwargs):
        # Around the admin's transaction: the files of a save that rolls
        # back are removed again (updates/changes.py).
        with PhotoFiles() as request.photo_files:
            return super().changeform_view(request, *args, **kwargs)

    def get_fields(self, request, obj=None):
        # A new update is stamped when it is saved, not when the form was
        # opened; the time can be corrected afterwards.
        flags = ["key_event", "pinned"]
        if obj is None:
            return ["entry", "headline", "content", *flags]
        return ["entry", "headline", "content", "published", *flags, "seen_revision"]

    def get_readonly_fields(self, request, obj=None):
        # Moving an update between entries would leave it in the first
        # entry's readers' pages: delete it and post it again instead.
        return ["entry"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        # The form's check ran without the entry's lock, which must not be
        # held while the inline's photos are decoded; this one holds it.
        elif transaction.get_connection().in_atomic_block and not form.is_unchanged_under_lock():
            raise ChangedMeanwhile
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Every new file's lock at once, in one order, before any form takes
        # its own (photos.claim): two saves of the same files in another
        # order would otherwise deadlock.
        photos.lock_files(
            f.processed.key
            for formset in formsets
            for f in formset.forms
            if hasattr(f, "processed")
        )
        for formset in formsets:
            for photo_form in formset.forms:
                photo_form.photo_files = request.photo_files
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            # In the transaction that took the update's revision (the admin's
            # change view is atomic): the fragment shows the photos as saved.
            form.instance.refresh_fragment()

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST:
            # The next update almost always goes to the same entry.
            response["Location"] = (
                reverse("admin:updates_liveupdate_add") + f"?entry={obj.entry_id}"
            )
        return response


admin.site.unregister(Entry)


@admin.register(Entry)
class EntryWithUpdatesAdmin(EntryAdmin):
    list_display = [*EntryAdmin.list_display, "update_count", "last_update", "post_updates_link"]
    readonly_fields = ["post_updates_link", *EntryAdmin.readonly_fields]
    fields = ["title", "slug", "status", "timezone", "intro", *readonly_fields]

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
                "<int:entry_id>/desk/compositions/<str:key>/",
                view(desk.composition),
                name="entries_entry_desk_composition",
            ),
            path(
                "<int:entry_id>/desk/status/", view(desk.status), name="entries_entry_desk_status"
            ),
            path(
                "<int:entry_id>/desk/summary/",
                view(desk.summary),
                name="entries_entry_desk_summary",
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

    @admin.display(description=_("Updates"), ordering="update_count")
    def update_count(self, entry):
        return entry.update_count

    @admin.display(description=_("Last update"), ordering="last_update")
    def last_update(self, entry):
        return entry.last_update

    @admin.display(description=_("Live updates"))
    def post_updates_link(self, entry):
        if entry.pk is None:
            return _("Save the entry first.")

        url = reverse("admin:entries_entry_desk", args=[entry.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Post updates"))
