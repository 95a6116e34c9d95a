"""Absolute URLs of this site, for what leaves it: feeds, canonical links, share previews."""

from urllib.parse import urljoin

from django.conf import settings


def absolute_url(request, url: str) -> str:
    """`url` (a path, or already absolute) on this site's public origin: SITE_URL when set.

    A CDN shares one response among every reader, so an absolute URL in it
    must not come from the Host header of whoever asked first; only without
    SITE_URL (development) is the request's host used.
    """
    origin = settings.SITE_URL + "/" if settings.SITE_URL else request.build_absolute_uri("/")
    return urljoin(origin, url)
