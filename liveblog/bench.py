"""A view that exists only while `make bench` runs (LIVEBLOG_BENCH=true).

It answers a small JSON object through the same middleware and settings as
every other view and touches nothing else: the framework's ceiling, which
the bench compares the real views against (see bench/run.py).
"""

from django.http import JsonResponse


def trivial(request):
    return JsonResponse({"status": "ok"})
