"""System checks for what `manage.py check --deploy` should catch in this project."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from liveblog import push
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


@register(Tags.security, deploy=True)
def push_is_complete(app_configs, **kwargs):
    """A page offered a stream that nothing publishes to would hear of a
    change only by its once-a-minute safety-net poll (docs/deploy.md, Push)."""
    key = settings.GRIP_VERIFY_KEY
    if not key:
        return []
    found = []
    if not push.targets():
        found.append(
            Warning(
                "GRIP_VERIFY_KEY is set but nothing is published to: readers' pages listen "
                "to a stream that never brings a change, and poll only once a minute.",
                hint="Set PUSHPIN_PUBLISH_URLS, or FASTLY_FANOUT=true with FASTLY_API_TOKEN "
                "and FASTLY_SERVICE_ID (docs/deploy.md, Push).",
                id="liveblog.W003",
            )
        )
    # A PEM public key (Fanout) is not a secret; a shared one (Pushpin's) is.
    if "-----BEGIN" not in key and len(key) < MIN_TOKEN_LENGTH:
        found.append(
            Warning(
                f"GRIP_VERIFY_KEY is shorter than {MIN_TOKEN_LENGTH} characters: whoever "
                "guesses it can sign requests as the proxy.",
                hint="Set Pushpin's sig_key and GRIP_VERIFY_KEY to the same random string.",
                id="liveblog.W004",
            )
        )
    return found


@register(Tags.security, deploy=True)
def embed_providers_use_https(app_configs, **kwargs):
    """updates/oembed.py asks plain-HTTP addresses on loopback only (the
    tests' stand-in): anywhere else a provider so configured stays a link."""
    if not settings.LIVEBLOG_EMBEDS:
        return []
    plain = sorted(
        {
            address
            for provider in settings.LIVEBLOG_EMBED_PROVIDERS.values()
            for address in (provider["oembed"], provider["frame"], *provider["thumbnails"])
            if not address.startswith("https://")
        }
    )
    if not plain:
        return []
    return [
        Warning(
            f"Embed providers' addresses not on HTTPS: {', '.join(plain)}. Their links stay "
            "links, or their players are refused by readers' browsers.",
            hint="Use https:// addresses in LIVEBLOG_EMBED_PROVIDERS (docs/deploy.md, Embeds).",
            id="liveblog.W005",
        )
    ]
