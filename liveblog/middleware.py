import logging

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import InterfaceError, OperationalError
from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGetMiddleware
from django.utils.cache import (
    get_conditional_response,
    get_max_age,
    patch_cache_control,
    set_response_etag,
)
from django.utils.encoding import escape_uri_path

from liveblog.http import unavailable

logger = logging.getLogger(__name__)


def is_shared_cacheable(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    # A live entry's answers have max-age=0 (browsers revalidate) but s-maxage for the CDN.
    return "public" in cache_control and (
        bool(get_max_age(response)) or "s-maxage=" in cache_control
    )


class ResponseHeadersMiddleware:
    """The outermost middleware: what every response carries, and what no
    shared response may.

    Every response, static files and /healthz included (they skip parts of
    the stack), gets nosniff, a referrer policy and a permissions policy.
    A response a shared cache may keep loses any cookie and "Vary: Cookie",
    whoever set them: CsrfViewMiddleware, for one, replaces a malformed
    csrftoken cookie on any page, and a CDN would store that Set-Cookie for
    every reader (or split its cache by cookie). An error without
    Cache-Control gets no-store: Django's own error pages (an unknown
    address, a refused host, a failed CSRF check) carry none, and a CDN may
    keep an error without one for minutes by its own defaults.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if response.status_code >= 400 and "Cache-Control" not in response:
            patch_cache_control(response, no_store=True)
        if is_shared_cacheable(response):
            response.cookies.clear()
            vary = [
                field.strip()
                for field in response.get("Vary", "").split(",")
                if field.strip() and field.strip().lower() != "cookie"
            ]
            if vary:
                response["Vary"] = ", ".join(vary)
            elif "Vary" in response:
                del response["Vary"]
        return response


class ConditionalGetMiddleware(DjangoConditionalGetMiddleware):
    """Django's, for HEAD as well as GET.

    Django leaves HEAD alone, expecting an empty body, but the body is only
    dropped by the server after the middleware has run: a HEAD answer can
    carry the same ETag as its GET, and a cache that checks with HEAD (or
    revalidates with If-None-Match) gets the same answer as a browser.
    """

    def process_response(self, request, response):
        if request.method != "HEAD":
            return super().process_response(request, response)
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        if response.has_header("ETag"):
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that it leaves responses a CDN may share alone.

    A reader arriving with a stale or malformed session cookie would
    otherwise get a cookie-deleting Set-Cookie and "Vary: Cookie" on a page
    that a shared cache is about to store for everyone. Public views never
    read the session (staff previews live under the admin), so nothing is lost.
    """

    def process_response(self, request, response):
        if is_shared_cacheable(response):
            return response
        return super().process_response(request, response)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After, not a 500, while the database is unreachable.

    Django reconnects on the next request by itself (health-checked
    persistent connections), so nothing needs restarting once it is back.
    """

    RETRY_AFTER_SECONDS = 10

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # The path as it came, still encoded: a decoded %0A would forge a log line.
        logger.warning(
            "Database unavailable for %s %s: %s",
            request.method,
            escape_uri_path(request.path),
            exception,
        )
        message = "The service is briefly unavailable. Please try again in a moment."
        return unavailable(message, self.RETRY_AFTER_SECONDS, json=request.path.endswith(".json"))
