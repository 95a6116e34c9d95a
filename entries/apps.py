from django.apps import AppConfig


class EntriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "entries"

    def ready(self):
        # The project's own deploy checks (liveblog is a project, not an app).
        from liveblog import checks  # noqa: F401
