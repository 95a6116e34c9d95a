"""Settings for liveblog, read from the environment (see .env.example).

The defaults are the safe ones: DEBUG off, no fallback secret, no hosts allowed
until ALLOWED_HOSTS names them.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from liveblog.environment import env_bool, env_float, env_int, env_list, trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    # Development only: a key that lives as long as the process, so nothing
    # guessable is ever committed. `make run` passes a stable one instead.
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

# The site's public origin, such as https://live.example.com, for absolute
# URLs in feeds and share previews. Pages are shared by a CDN, so those must
# not come from a request's Host header; without it (development) they do.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if SITE_URL and not re.fullmatch(r"https?://[^/?#\s]+", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL must be a scheme and host such as https://live.example.com, got {SITE_URL!r}."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "csp",
    "axes",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "entries",
    "updates",
]

MIDDLEWARE = [
    "liveblog.middleware.ResponseHeadersMiddleware",
    # The author's language under ADMIN_URL; LANGUAGE_CODE everywhere else,
    # whatever the request says: a CDN keeps one copy of a public URL. Early,
    # so that every answer below it (a 503 too) is in the right language.
    "liveblog.middleware.LocaleMiddleware",
    "liveblog.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "liveblog.middleware.ConditionalGetMiddleware",
    "liveblog.middleware.DatabaseUnavailableMiddleware",
    # Sessions, sign-in and messages run under ADMIN_URL only: nothing
    # public may depend on them, and readers' requests skip their cost.
    "liveblog.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "liveblog.middleware.AuthenticationMiddleware",
    "liveblog.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the header built once per process.
    "liveblog.middleware.CSPMiddleware",
    # Last, as django-axes requires: it answers for locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liveblog.urls"
# The admin's URL prefix; staff previews of drafts live under it too. A CDN
# must pass it to the origin untouched (deploy/varnish.vcl names it).
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/")
if not re.fullmatch(r"([A-Za-z0-9_-]+/)+", ADMIN_URL):
    raise ImproperlyConfigured(f"ADMIN_URL must look like 'admin/', got {ADMIN_URL!r}.")
WSGI_APPLICATION = "liveblog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# A production host names its database: without DATABASE_URL it would quietly
# write to a SQLite file of its own. `make test` names an SQLite file itself.
if not DEBUG and not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DEBUG is off "
        "(sqlite:////absolute/path/db.sqlite3 to use an SQLite file)."
    )
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, and a query run 5 times on a connection
    # prepared: the page and poll queries then skip planning, which costs
    # more than running them (issue 8). Off behind a pooler that cannot
    # keep prepared statements (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction begins, so two authors
    # posting at once wait for each other instead of failing with
    # "database is locked" when a read would turn into a write.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Brute force on the admin login (django-axes): 5 failed attempts for one
# username from one address lock that pair out for 15 minutes, the right
# password included; others are unaffected. `manage.py axes_reset_username
# <name>` (or axes_reset_ip, axes_reset) lifts a lock; docs/deploy.md.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "login_locked.html"
AXES_CLIENT_IP_CALLABLE = "liveblog.http.client_address"
# Its log lines name the address and username (masked by default): whoever
# reads the log needs them to see an attack and to lift a lock.
AXES_SENSITIVE_PARAMETERS = []
# No start-up banner; lockouts are still logged with username and address.
AXES_VERBOSE = False
# The proxies (the CDN's or TLS terminator's addresses) whose X-Forwarded-For
# names the client: the same list gunicorn trusts (gunicorn.conf.py reads it
# from liveblog/environment.py too). Its last entry is the address the proxy
# saw (deploy/varnish.vcl rewrites the header so).
FORWARDED_ALLOW_IPS = trusted_proxies()

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The site's language: the index, error pages, and entries that set none.
# An entry may set its own (Entry.language), from LANGUAGES: the languages
# with a complete catalog in locale/ (docs/languages.md), by their own names.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE") or "en-us"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español")]
if LANGUAGE_CODE.lower().split("-")[0] not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))} (or a variant such as "
        f"en-gb), got {LANGUAGE_CODE!r}."
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's English time format is "2:05 p.m."; newsrooms write "2:05 PM".
FORMAT_MODULE_PATH = ["liveblog.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Photos (updates/photos.py): files in MEDIA_ROOT served by the app under
# MEDIA_URL, or, with several app servers, an S3-compatible bucket
# (MEDIA_S3_BUCKET; docs/deploy.md). Stored names never change meaning, so
# either way they are cached for a year.
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or BASE_DIR / "media"
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
# What every bucket gets, whichever it is (tests/test_photo_storage.py too).
MEDIA_STORAGE_S3_OPTIONS = {
    # Public, unsigned URLs: the files are published photos.
    "querystring_auth": False,
    # A name always means the same bytes (updates/photos.py).
    "file_overwrite": True,
    "object_parameters": {"CacheControl": MEDIA_CACHE_CONTROL},
}
if MEDIA_S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **MEDIA_STORAGE_S3_OPTIONS,
            "bucket_name": MEDIA_S3_BUCKET,
            # Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3.
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            # Where readers fetch the files: a CDN or the bucket's public host.
            "custom_domain": os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None,
            # public-read where a bucket uses ACLs; unset with a bucket policy.
            "default_acl": os.environ.get("MEDIA_S3_DEFAULT_ACL") or None,
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": MEDIA_STORAGE,
    # Hashed, pre-compressed files that whitenoise serves with far-future
    # caching; `collectstatic` must run before the server starts.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Shown as the site's name in feeds and share previews.
LIVEBLOG_SITE_NAME = "Liveblog"
# How long shared caches (a CDN) may keep a public page or poll response
# (s-maxage; browsers keep a live entry's answers for no time and revalidate
# them through the CDN), and how often the reader script asks. Purging the
# CDN on every change (liveblog/purge.py) makes a reader late by about one
# poll interval; without purging, by up to both.
LIVEBLOG_CACHE_SECONDS = 10
# An ended entry no longer changes (much): the CDN may keep it an hour (it is
# purged on any change); browsers revalidate it as they do a live one's.
LIVEBLOG_ENDED_CACHE_SECONDS = 3600
# A cache may serve a just-expired object while it fetches a fresh one, so a
# hot URL never sends a stampede to the origin...
LIVEBLOG_STALE_WHILE_REVALIDATE = 5
# ...and may keep serving the last good answer while the origin fails.
LIVEBLOG_STALE_IF_ERROR = 3600
LIVEBLOG_POLL_INTERVAL = 5
# An ended entry's open pages still ask, rarely: a correction, or the entry
# reopened, reaches them (answered by the CDN until it is purged).
LIVEBLOG_ENDED_POLL_INTERVAL = 60
# The most changes one poll response carries; a client further behind is told
# "more": true and asks again at once.
LIVEBLOG_POLL_BATCH = 200
# An entry page shows this many of the latest updates; older ones come in
# pages of the same size (?before=, updates/paging.py).
LIVEBLOG_PAGE_SIZE = 200
# The longest Markdown an update or an entry's intro may hold, in characters,
# and the most HTML it may render to, in bytes: what authors type is checked
# where it arrives, and Markdown can multiply it (a reference link repeats
# its URL at every use), while every page and poll carries it (issue 17).
LIVEBLOG_MAX_UPDATE_CHARS = env_int("LIVEBLOG_MAX_UPDATE_CHARS", 20_000)
LIVEBLOG_MAX_UPDATE_HTML_BYTES = env_int("LIVEBLOG_MAX_UPDATE_HTML_BYTES", 256 * 1024)
# How long a worker may answer polls and pages from the entry it last read
# (entries/remembered.py): a commit reaches the origin's answers at most
# this much later. 0 reads the entry on every poll. At most 1.
LIVEBLOG_POLL_MEMO_SECONDS = env_float(
    "LIVEBLOG_POLL_MEMO_SECONDS", 1.0, minimum=0, maximum=1, unit="seconds"
)
# How many pages of update fragments a worker keeps, by entry revision
# (updates/paging.py); 0 reads them for every page.
LIVEBLOG_PAGE_MEMO_SIZE = env_int("LIVEBLOG_PAGE_MEMO_SIZE", 32, minimum=0)

# Purging the CDN after every change readers see (liveblog/purge.py,
# docs/deploy.md): any of these, or none (answers then simply expire).
# Base URLs of the Varnish servers to purge, comma-separated.
VARNISH_URLS = env_list("VARNISH_URLS")
# The secret each purge carries (X-Liveblog-Token); varnishd reads the same
# variable (deploy/varnish.vcl). Without it Varnish refuses every purge.
LIVEBLOG_PURGE_TOKEN = os.environ.get("LIVEBLOG_PURGE_TOKEN", "")
# Fastly: an API token allowed to purge (purge_select) and the service's id.
FASTLY_API_TOKEN = os.environ.get("FASTLY_API_TOKEN", "")
FASTLY_SERVICE_ID = os.environ.get("FASTLY_SERVICE_ID", "")
# Cloudflare: an API token with the Cache Purge permission and the zone's id.
CLOUDFLARE_API_TOKEN = os.environ.get("CLOUDFLARE_API_TOKEN", "")
CLOUDFLARE_ZONE_ID = os.environ.get("CLOUDFLARE_ZONE_ID", "")
# The vendors' API addresses; the tests point them at a local server.
FASTLY_API_URL = os.environ.get("FASTLY_API_URL", "https://api.fastly.com")
CLOUDFLARE_API_URL = os.environ.get("CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4")

# Pushing changes to open pages through a GRIP proxy, Pushpin or Fastly
# Fanout (liveblog/push.py, docs/deploy.md). The key the proxy signs its
# Grip-Sig with: Pushpin's sig_key (32 characters or more), or Fastly's
# public key (PEM, line breaks written as \n) for Fanout. Unset: push is
# off, the stream is a 404 and pages poll.
GRIP_VERIFY_KEY = os.environ.get("GRIP_VERIFY_KEY", "").replace("\\n", "\n")
# The issuer a Grip-Sig must name: Pushpin's sig_iss (`pushpin`), or
# `fastly:<service id>`. Empty: any issuer signing with the key.
GRIP_VERIFY_ISS = os.environ.get("GRIP_VERIFY_ISS", "")
# Pushpin's HTTP control endpoints (push_in_http_port), comma-separated.
PUSHPIN_PUBLISH_URLS = env_list("PUSHPIN_PUBLISH_URLS")
# Publish to Fastly Fanout too, with FASTLY_API_TOKEN and FASTLY_SERVICE_ID.
FASTLY_FANOUT = env_bool("FASTLY_FANOUT", False)

# Embeds (issue 22, item 3; updates/embeds.py): a link alone in its
# paragraph to one of these providers becomes a preview stored with the
# update, and the provider's player only when a reader asks for it. The
# server asks nothing but `oembed` (with the link as its `url` parameter)
# and takes a thumbnail only from `thumbnails`; the page's CSP allows
# frames from `frame` alone. `{instance}` stands for each of
# LIVEBLOG_MASTODON_INSTANCES. Tests point these at a stand-in on loopback.
LIVEBLOG_EMBEDS = env_bool("LIVEBLOG_EMBEDS", True)
LIVEBLOG_MASTODON_INSTANCES = env_list("LIVEBLOG_MASTODON_INSTANCES") or ["mastodon.social"]
LIVEBLOG_EMBED_PROVIDERS = {
    "youtube": {
        "name": "YouTube",
        "oembed": "https://www.youtube.com/oembed",
        # YouTube's own "privacy-enhanced" player: no cookie before playing.
        "frame": "https://www.youtube-nocookie.com",
        "thumbnails": ["https://i.ytimg.com"],
    },
    "vimeo": {
        "name": "Vimeo",
        "oembed": "https://vimeo.com/api/oembed.json",
        "frame": "https://player.vimeo.com",
        "thumbnails": ["https://i.vimeocdn.com"],
    },
    "mastodon": {
        "name": "Mastodon",
        "oembed": "https://{instance}/api/oembed",
        "frame": "https://{instance}",
        "thumbnails": ["https://{instance}", "https://files.{instance}"],
    },
    "bluesky": {
        "name": "Bluesky",
        "oembed": "https://embed.bsky.app/oembed",
        "frame": "https://embed.bsky.app",
        "thumbnails": ["https://cdn.bsky.app"],
    },
    "x": {
        "name": "X",
        "oembed": "https://publish.twitter.com/oembed",
        "frame": "https://platform.twitter.com",
        "thumbnails": ["https://pbs.twimg.com"],
    },
}
# Seconds one update's previews may take to fetch, all of them: the post
# waits that long at most, then goes out with plain links.
LIVEBLOG_EMBED_TIMEOUT = env_float(
    "LIVEBLOG_EMBED_TIMEOUT", 2.5, minimum=0, maximum=10, unit="seconds"
)


def embed_frame_origins(providers: dict, instances: list[str]) -> list[str]:
    """What the page's CSP frame-src allows: each provider's player origin."""
    return sorted(
        {
            provider["frame"].format(instance=instance)
            for provider in providers.values()
            for instance in instances
        }
    )


# `make bench` only: adds a trivial JSON view to compare the real ones with.
LIVEBLOG_BENCH = env_bool("LIVEBLOG_BENCH", False)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No page uses these browser features; nothing embedded may either.
PERMISSIONS_POLICY = "camera=(), geolocation=(), microphone=(), payment=(), usb=()"
X_FRAME_OPTIONS = "DENY"
# Production defaults: HTTPS only, cookies never sent in clear. Behind a TLS
# proxy, TRUST_X_FORWARDED_PROTO=true lets Django know a request was HTTPS
# (only if the proxy overwrites that header). See docs/deploy.md.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# No script needs the CSRF cookie: the desk sends the token from its form
# (static/liveblog/desk.js), so an injected script cannot read it either.
CSRF_COOKIE_HTTPONLY = True
# JSON for the desk's requests (it sends Accept: application/json).
CSRF_FAILURE_VIEW = "liveblog.http.csrf_failure"
# HSTS is opt-in: once sent, browsers refuse plain HTTP for that long.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# No inline script or style anywhere, the admin included. Images in updates
# may come from any HTTPS host; everything else only from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # blob: for the desk's thumbnails of photos not yet posted.
        "img-src": [SELF, "https:", "blob:"],
        "connect-src": [SELF],
        # Only the embed providers' players, only once a reader asks (embeds.js).
        "frame-src": embed_frame_origins(LIVEBLOG_EMBED_PROVIDERS, LIVEBLOG_MASTODON_INSTANCES),
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
