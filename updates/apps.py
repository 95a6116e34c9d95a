from django.apps import AppConfig

from entries.signals import zone_changed


class UpdatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "updates"
    verbose_name = "Live updates"

    def ready(self):
        # Entry.save sends it inside its transaction; receivers run there too.
        zone_changed.connect(self.rerender_fragments, weak=False, dispatch_uid="updates.rezone")

    def rerender_fragments(self, sender, entry_id: int, **kwargs):
        """Stored fragments show times in the entry's zone (updates/fragments.py)."""
        self.get_model("LiveUpdate").objects.rerender_fragments(entry_id)
