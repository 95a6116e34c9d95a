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
