from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import get_max_age


def is_shared_cacheable(response) -> bool:
    return "public" in response.get("Cache-Control", "") and bool(get_max_age(response))


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that it leaves responses a CDN may share alone.

    A reader arriving with a stale or malformed session cookie would
    otherwise get a cookie-deleting Set-Cookie and "Vary: Cookie" on a page
    that a shared cache is about to store for everyone. Public views never
    read the session (see liveblog.http.viewer_is_staff), so nothing is lost.
    """

    def process_response(self, request, response):
        if is_shared_cacheable(response):
            return response
        return super().process_response(request, response)
