"""Small response helpers shared by the reader-facing views."""

import ipaddress
from functools import lru_cache, wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.csrf import csrf_failure as html_csrf_failure
from django.views.decorators.csrf import csrf_exempt

from liveblog.purge import slug_tag

SAFE_METHODS = ("GET", "HEAD")


def json_error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    patch_cache_control(response, no_store=True)
    return response


def html_error(status: int, template: str, message: str) -> HttpResponse:
    response = HttpResponse(render_to_string(template, {"message": message}), status=status)
    patch_cache_control(response, no_store=True)
    return response


def unavailable(message: str, retry_after: int, *, json: bool) -> HttpResponse:
    """503: nothing was done, and the same request may be sent again after
    `retry_after` seconds (a database outage, the photo decoders all busy)."""
    response = json_error(503, message) if json else html_error(503, "503.html", message)
    response["Retry-After"] = str(retry_after)
    return response


def read_only(json: bool = False):
    """Answer anything but GET and HEAD with 405 and a short message.

    csrf_exempt lets the 405 through: the CSRF check would otherwise turn
    a POST into a 403 before the view sees it. These views never write.
    """

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in SAFE_METHODS:
                return view(request, *args, **kwargs)
            message = _("Method %(method)s not allowed; use GET.") % {"method": request.method}
            response = json_error(405, message) if json else html_error(405, "405.html", message)
            response["Allow"] = ", ".join(SAFE_METHODS)
            return response

        return wrapper

    return decorator


def client_address(request) -> str:
    """The reader's or author's address, for the login lockout and logs.

    From X-Forwarded-For's last entry only when the request comes from a
    proxy listed in FORWARDED_ALLOW_IPS (the CDN); anybody else could write
    anything there.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and is_trusted_proxy(peer, tuple(settings.FORWARDED_ALLOW_IPS)):
        return forwarded.split(",")[-1].strip()
    return peer


@lru_cache(maxsize=64)
def is_trusted_proxy(peer: str, trusted: tuple[str, ...]) -> bool:
    """Whether `peer` is one of FORWARDED_ALLOW_IPS: addresses or networks
    (10.0.0.0/8), as gunicorn reads the same variable, or `*`."""
    if "*" in trusted:
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # not an address: gunicorn ignores it too
    return False


def cache_publicly(response, *, ended: bool = False, tags: tuple[str, ...] = ()):
    """Let shared caches (the CDN) keep a reader response, named by its tags.

    A live entry's answers: 10 seconds in the CDN (s-maxage), which is
    purged the moment they change (liveblog/purge.py), and no time in a
    browser, which revalidates its copy through the CDN with the ETag (a
    304 while nothing changed). Ended entries: an hour in the CDN, purged
    alike, and no time in a browser either: a correction after the end, or
    the entry reopened, must reach a reader who opens it again without a
    hard reload (issue 20); a revalidation is a cheap 304. `tags`
    (`entry-<id>`, `index`) go in each CDN's tag header; the CDN removes
    them before delivery. See docs/api.md and docs/deploy.md.
    """
    browser = 0
    shared = settings.LIVEBLOG_ENDED_CACHE_SECONDS if ended else settings.LIVEBLOG_CACHE_SECONDS
    if "Cache-Control" in response:
        patch_cache_control(
            response,
            public=True,
            max_age=browser,
            s_maxage=shared,
            stale_while_revalidate=settings.LIVEBLOG_STALE_WHILE_REVALIDATE,
            stale_if_error=settings.LIVEBLOG_STALE_IF_ERROR,
        )
    else:
        # Written directly on the hot path (every poll): patch_cache_control
        # parses and rebuilds the header, which costs more than the poll.
        response["Cache-Control"] = (
            f"public, max-age={browser}, s-maxage={shared}, "
            f"stale-while-revalidate={settings.LIVEBLOG_STALE_WHILE_REVALIDATE}, "
            f"stale-if-error={settings.LIVEBLOG_STALE_IF_ERROR}"
        )
    if tags:
        tag(response, tags)
    return response


def tag(response, tags: tuple[str, ...]):
    """Name what a response depends on, in each CDN's tag header, for purging."""
    # Fastly and Varnish's xkey read space-separated keys, Cloudflare commas.
    response["Surrogate-Key"] = response["xkey"] = " ".join(tags)
    response["Cache-Tag"] = ",".join(tags)
    return response


def entry_not_found(slug: str, *, json: bool = False):
    """The 404 for an entry's page, poll or feed, a draft's and no entry's alike.

    No-store like every error, but a CDN may keep 404s a few seconds anyway
    (the shipped VCL does, so a flood of one made-up URL costs the origin one
    request). The tag is the slug's, so that an entry becoming visible under
    it purges it (Entry.save); it is the same whether a draft has the slug or
    nobody does, so not even the tag headers tell drafts apart.
    """
    message = _("No such entry.")
    response = json_error(404, message) if json else html_error(404, "404.html", message)
    return tag(response, (slug_tag(slug),))


def cache_privately(response):
    """For what only staff may see, such as a draft's preview: no cache keeps it."""
    patch_cache_control(response, private=True, no_store=True)
    return response


def csrf_failure(request, reason: str = ""):
    """A refused CSRF token: JSON for a script that asks for it (the desk,
    issue 19), which cannot show Django's HTML page; that page otherwise."""
    if "application/json" in request.headers.get("Accept", ""):
        return json_error(403, _("Your session's form token is no longer valid; reload the desk."))
    return html_csrf_failure(request, reason)


def bad_request(request, exception=None):
    """handler400: a request refused before any view, as the CSRF check
    reading a body over DATA_UPLOAD_MAX_MEMORY_SIZE does; JSON (413 for a
    body too large) for a script that asks for it, the desk (issue 19)."""
    if "application/json" not in request.headers.get("Accept", ""):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return json_error(413, _("Too large for the server: send fewer or smaller photos."))
    return json_error(400, _("The server could not read this request."))
