"""System checks for what `manage.py check --deploy` should catch in this project."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_set(app_configs, **kwargs):
    if settings.SITE_URL:
        return []
    return [
        Warning(
            "SITE_URL is not set: absolute URLs in feeds, canonical links and share previews "
            "come from each request's Host header, and a CDN shares them with every reader.",
            hint="Set SITE_URL to the public origin, such as https://live.example.com.",
            id="liveblog.W001",
        )
    ]
