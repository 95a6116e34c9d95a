from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse

from liveblog.http import html_error
from updates import changes, photos
from updates.desk import MAX_PHOTOS
from updates.models import LiveUpdate, Photo


class PhotoForm(forms.ModelForm):
    """A photo with its alt text; the file is required only for a new one."""

    image = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text="JPEG, PNG, WebP or GIF, at most 20 MB.",
    )

    class Meta:
        model = Photo
        fields = ["image", "alt", "caption", "position"]
        widgets = {"alt": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload is None:
            if self.instance.pk is None and self.has_changed():
                raise forms.ValidationError("Choose a photo.")
            return None
        self.processed = photos.process(upload)
        return upload

    def save(self, commit=True):
        processed = getattr(self, "processed", None)
        if processed is not None:
            if self.instance.pk is not None:
                # A new file for this photo: the old one's files go after commit.
                photos.delete_files_after_commit(self.instance.key, self.instance.files)
            self.instance.key = processed.key
            # In the admin's transaction, under the files' lock (photos.claim).
            self.instance.files = photos.claim(processed)
        return super().save(commit)


class PhotoInline(admin.StackedInline):
    model = Photo
    form = PhotoForm
    extra = 1
    # As many as the desk takes (updates/desk.py MAX_PHOTOS); Django's own
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
    inlines = [PhotoInline]
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

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except photos.Busy as busy:
            # Too many photos being processed at once in this process (issue
            # 17): nothing was saved; the author sends the form again.
            response = html_error(503, "503.html", str(busy))
            response["Retry-After"] = str(photos.RETRY_AFTER_SECONDS)
            return response

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
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            # In the transaction that took the update's revision (the admin's
            # change view is atomic): the fragment shows the photos as saved.
            changes.refresh_fragment(form.instance)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST:
            # The next update almost always goes to the same entry.
            response["Location"] = (
                reverse("admin:updates_liveupdate_add") + f"?entry={obj.entry_id}"
            )
        return response
