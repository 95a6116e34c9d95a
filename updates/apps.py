from django.apps import AppConfig
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from entries.signals import rendering_changed
from liveblog import push


class UpdatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "updates"
    verbose_name = _("Live updates")

    def ready(self):
        # Entry.save sends it inside its transaction; receivers run there too.
        rendering_changed.connect(
            self.rerender_fragments, weak=False, dispatch_uid="updates.rerender"
        )
        # Events carry updates, which the library below knows nothing of.
        # By name: the module needs the models, which load after this file.
        push.build_events_with(import_string("updates.stream.published_event"))

    def rerender_fragments(self, sender, entry_id: int, **kwargs):
        """Stored fragments show times in the entry's zone and language (updates/fragments.py)."""
        self.get_model("LiveUpdate").objects.rerender_fragments(entry_id)
