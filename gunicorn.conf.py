"""gunicorn settings: `gunicorn liveblog.wsgi` picks this file up from the project folder.

Every value can be changed from the environment; docs/deploy.md lists them.
"""

import multiprocessing
import os

from liveblog.access_log import ACCESS_LOG_FORMAT
from liveblog.environment import env_choice, env_int, trusted_proxies

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threaded workers by default: a client that sends its request slowly, or
# many requests the CDN cannot cache arriving at once, hold one thread each,
# not a whole worker (tests/test_hostile_traffic.py: slow bodies straight at
# gunicorn, uncacheable requests side by side). Each thread keeps its own
# database connection. GUNICORN_WORKER_CLASS=sync measured (`python -m
# bench.workers`, 2 workers each, 2 cores, issue 25): the same requests per
# second, a shorter tail (the poll's p99 29 ms against 40, the page's 18
# against 45, 27 against 59 beside two authors posting 1.5 MB photos at
# 3 Mbit/s through Varnish), but two slow posts straight to gunicorn held
# both sync workers and no poll was answered for their 4.5 seconds. Sync
# suits an origin only a body-buffering proxy can reach; docs/deploy.md.
# Sync for public paths and gthread for the admin, routed by the VCL, was
# weighed for issue 25 and not built: public paths need the threads too
# (the hostile-traffic tests), for a few per cent of a poll's CPU.
worker_class = env_choice("GUNICORN_WORKER_CLASS", "gthread", ("sync", "gthread"))
workers = env_int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# gthread only: each thread keeps its own database connection. gunicorn
# quietly runs gthread instead of sync when threads > 1.
# Read (and checked) whichever the class, so a typo never waits for a switch.
gthread_threads = env_int("GUNICORN_THREADS", 4)
threads = gthread_threads if worker_class == "gthread" else 1
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# 0: workers are never recycled (`make bench`).
max_requests = env_int("GUNICORN_MAX_REQUESTS", 5000, minimum=0)
max_requests_jitter = 500

# Empty: no access log (gunicorn would take "" for a file name and stop).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
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
