from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

from liveblog.http import read_only


@read_only(json=True)
def healthz(request):
    """For load balancers and the CDN's probe: is this server able to answer?

    Checks the database on every call, and is never cached.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        response = JsonResponse({"status": "ok"})
    except DatabaseError:
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = "10"
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """Answer /healthz before anything looks at the Host header.

    Load balancers and CDN probes address a server by its IP, which is not
    in ALLOWED_HOSTS: through the normal stack they would get a 400 and
    mark every server down. Listed first in MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
