import logging

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGetMiddleware
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import (
    get_conditional_response,
    get_max_age,
    patch_cache_control,
    set_response_etag,
)
from django.utils.encoding import escape_uri_path
from django.utils.http import parse_http_date_safe

from liveblog.http import unavailable

logger = logging.getLogger(__name__)


def is_shared_cacheable(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    # A live entry's answers have max-age=0 (browsers revalidate) but s-maxage
    # for the CDN; looked for first, since parsing max-age costs more.
    return "public" in cache_control and (
        "s-maxage=" in cache_control or bool(get_max_age(response))
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
            if response.cookies:
                response.cookies.clear()
            vary = response.get("Vary")
            if vary is not None:
                kept = [
                    field.strip()
                    for field in vary.split(",")
                    if field.strip() and field.strip().lower() != "cookie"
                ]
                if kept:
                    response["Vary"] = ", ".join(kept)
                else:
                    del response["Vary"]
        return response


# The request headers that make an answer conditional (RFC 9110, 13.1).
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


class ConditionalGetMiddleware(DjangoConditionalGetMiddleware):
    """Django's, for HEAD as well as GET, comparing only when asked to.

    Django leaves HEAD alone, expecting an empty body, but the body is only
    dropped by the server after the middleware has run: a HEAD answer can
    carry the same ETag as its GET, and a cache that checks with HEAD (or
    revalidates with If-None-Match) gets the same answer as a browser.

    Most requests (every poll the CDN passes on) carry no conditional
    header: they still get their ETag, but skip the comparison, which
    parses headers that are not there (issue 25). A response's
    `known_etag`, if set, is the ETag of its content computed earlier.
    """

    def process_response(self, request, response):
        if request.method not in ("GET", "HEAD"):
            return response
        if self.needs_etag(response) and not response.has_header("ETag"):
            # A view that already knows its content's ETag (a remembered
            # page, updates/pages.py) saves hashing it again.
            known = getattr(response, "known_etag", None)
            if known:
                response["ETag"] = known
            else:
                set_response_etag(response)
        meta = request.META
        if not any(header in meta for header in CONDITIONAL_HEADERS):
            return response
        etag = response.get("ETag")
        # As before: Django's for GET, the ETag alone for HEAD.
        last_modified = response.get("Last-Modified") if request.method == "GET" else None
        last_modified = last_modified and parse_http_date_safe(last_modified)
        if etag or last_modified:
            return get_conditional_response(
                request, etag=etag, last_modified=last_modified, response=response
            )
        return response


ADMIN_PREFIX = f"/{settings.ADMIN_URL}"


class AdminOnly:
    """Runs the middleware it is mixed into only under ADMIN_URL.

    Sessions, authentication and messages are for staff: the admin, the
    desk, previews and sign-out all live under the prefix, and a public
    answer is the same for everyone (a CDN shares it). Elsewhere they cost
    a reader's request about a tenth of its time for nothing (issue 25),
    and a public view that reads `request.user` or `request.session` now
    fails at once, in tests, instead of quietly varying by cookie.
    """

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PREFIX):
            return super().__call__(request)
        return self.get_response(request)


class SessionMiddleware(AdminOnly, DjangoSessionMiddleware):
    """Django's, under the admin only, and leaving responses a CDN may share alone.

    A reader arriving with a stale or malformed session cookie would
    otherwise get a cookie-deleting Set-Cookie and "Vary: Cookie" on a page
    that a shared cache is about to store for everyone. Public views never
    read the session (staff previews live under the admin), so nothing is lost.
    """

    def process_response(self, request, response):
        if is_shared_cacheable(response):
            return response
        return super().process_response(request, response)


class AuthenticationMiddleware(AdminOnly, DjangoAuthenticationMiddleware):
    """Django's, under the admin only."""


class MessageMiddleware(AdminOnly, DjangoMessageMiddleware):
    """Django's, under the admin only."""


# The CSP headers the settings give, built on first use ("headers": a tuple
# of (header, value, excluded path prefixes), one per policy set). Settings
# only change in tests (override_settings), which send setting_changed.
_csp_built: dict[str, tuple] = {}
_CSP_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")


@receiver(setting_changed)
def forget_csp_headers(*, setting, **kwargs):
    if setting in _CSP_SETTINGS:
        _csp_built.clear()


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's, with the header built once per process.

    django-csp builds both policies from the settings on every response,
    about a tenth of a poll's time (issue 25). A response without per-view
    changes (csp_update, csp_replace, csp_exempt and the like) and a
    request whose nonce was never asked for get the very same strings, so
    they are built once (again when a test changes the policy settings) and
    reused; anything else goes through django-csp.
    """

    # What django-csp's decorators set on a response.
    PER_VIEW = frozenset(
        (
            "_csp_config",
            "_csp_update",
            "_csp_replace",
            "_csp_exempt",
            "_csp_config_ro",
            "_csp_update_ro",
            "_csp_replace_ro",
            "_csp_exempt_ro",
        )
    )

    def __init__(self, get_response):
        super().__init__(get_response)
        # What django-csp puts on each request once its header is written:
        # asking it for a nonce raises. It keeps no state, so one will do.
        self.too_late = CheckableLazyObject(self._csp_nonce_post_response)

    @staticmethod
    def default_headers() -> tuple[tuple[str, str, tuple], ...]:
        built = _csp_built.get("headers")
        if built is None:
            # Two threads may build at once: both get the same, stored whole.
            built = []
            for header, setting, report_only in (
                (HEADER, _CSP_SETTINGS[0], False),
                (HEADER_REPORT_ONLY, _CSP_SETTINGS[1], True),
            ):
                value = build_policy(report_only=report_only)
                if value:
                    policy = getattr(settings, setting, None) or {}
                    prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
                    built.append((header, value, prefixes))
            built = _csp_built["headers"] = tuple(built)
        return built

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or not self.PER_VIEW.isdisjoint(
            vars(response)
        ):
            return super().process_response(request, response)
        if not (response.status_code in (404, 500) and settings.DEBUG):
            for header, value, excluded in self.default_headers():
                if header not in response and not request.path_info.startswith(excluded):
                    response[header] = value
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = self.too_late
        return response


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
        message = translation.gettext(
            "The service is briefly unavailable. Please try again in a moment."
        )
        return unavailable(message, self.RETRY_AFTER_SECONDS, json=request.path.endswith(".json"))


class LocaleMiddleware(DjangoLocaleMiddleware):
    """The author's language under ADMIN_URL (their browser's, as Django's
    admin does); LANGUAGE_CODE everywhere else.

    A public answer is shared by everyone behind a CDN, one copy per URL:
    its language may not come from Accept-Language or a cookie (nor may it
    send Vary on them). Entry pages, polls and feeds switch to the entry's
    own language themselves (Entry.language_code). Activated on every
    request, since a worker thread keeps the last language activated.
    """

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PREFIX):
            return super().__call__(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
