"""gunicorn settings: `gunicorn liveblog.wsgi` picks this file up from the project folder.

Every value can be changed from the environment; docs/deploy.md lists them.
"""

import multiprocessing
import os

from liveblog.access_log import ACCESS_LOG_FORMAT
from liveblog.environment import env_choice, env_int, trusted_proxies

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threaded workers: every request is short (two queries for a poll), and the
# CDN in front keeps the request rate per URL at about one per 10 seconds, but
# a client that sends its request slowly must hold one thread, not a whole
# worker. (The shipped VCL also reads request bodies in full before passing
# them on.) Each thread keeps its own database connection. Measured with
# `make bench` on 2 cores, 4 threads serve polls and pages as fast as 2 or 1
# (the requests are CPU-bound, so the extra threads mostly wait): the
# protection costs no throughput.
worker_class = env_choice("GUNICORN_WORKER_CLASS", "gthread", ("sync", "gthread"))
workers = env_int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = env_int("GUNICORN_THREADS", 4)
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# 0: workers are never recycled (`make bench`).
max_requests = env_int("GUNICORN_MAX_REQUESTS", 5000, minimum=0)
max_requests_jitter = 500

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
# Combined log format with the client's address as the CDN saw it and the
# request time (liveblog/access_log.py says why each field), written by a
# logger that produces gunicorn's own lines for a fraction of the work
# (issue 25). GUNICORN_ACCESS_LOG= (empty) turns it off: docs/deploy.md
# says what varnishncsa keeps and what is lost.
access_log_format = ACCESS_LOG_FORMAT
logger_class = "liveblog.access_log.AccessLogger"
# The TLS proxy or CDN in front is the only client: trust its
# X-Forwarded-Proto and nothing else. gunicorn's default also believes
# X-Forwarded-Ssl and X-Forwarded-Protocol, which a CDN that strips only
# X-Forwarded-Proto lets through: a client claiming HTTPS with one of them
# got the page instead of the redirect, and the cache kept it for everyone
# (issue 24). SCRIPT_NAME and PATH_INFO headers would let any client that
# gets them past the proxy rewrite the path Django sees (and a cache store
# the wrong page under a URL); headers with an underscore are dropped
# altogether.
# The same list Django trusts for X-Forwarded-For (liveblog/settings.py).
forwarded_allow_ips = ",".join(trusted_proxies())
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
forwarder_headers = ""
header_map = "drop"
