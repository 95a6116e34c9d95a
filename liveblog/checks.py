"""System checks for what `manage.py check --deploy` should catch in this project."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from liveblog.purge import MIN_TOKEN_LENGTH


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


@register(Tags.security, deploy=True)
def varnish_purge_token_is_set(app_configs, **kwargs):
    if not settings.VARNISH_URLS or len(settings.LIVEBLOG_PURGE_TOKEN) >= MIN_TOKEN_LENGTH:
        return []
    return [
        Warning(
            f"LIVEBLOG_PURGE_TOKEN is unset or shorter than {MIN_TOKEN_LENGTH} characters: "
            "the shipped VCL refuses every purge, and readers get changes only when "
            "their cached copies expire.",
            hint="Set the same random LIVEBLOG_PURGE_TOKEN for the application and varnishd "
            "(docs/deploy.md, Purging).",
            id="liveblog.W002",
        )
    ]
