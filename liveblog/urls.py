import re

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from entries.views import index
from liveblog.health import healthz
from liveblog.signout import sign_out
from updates.pages import detail, entry_preview
from updates.views import media

# JSON for scripts that ask for it (the desk), Django's page otherwise.
handler400 = "liveblog.http.bad_request"

# Resolved per request: the hashed name exists only after collectstatic.
lazy_static = lazy(static, str)

admin.site.site_header = "Liveblog"
admin.site.site_title = "Liveblog admin"
admin.site.index_title = "Entries and updates"

urlpatterns = [
    # First: the poll is the origin's most frequent request, and each pattern
    # tried before it costs time (issue 25). Its paths end in updates.json or
    # feed.atom, which no admin page's URL does, whatever ADMIN_URL is.
    path("", include("updates.urls")),
    # Before the admin's own URLs, which would take "preview/" for an app.
    path(
        f"{settings.ADMIN_URL}preview/entries/<slug:slug>/",
        entry_preview,
        name="entry_preview",
    ),
    # Before the admin's own logout, which it wraps (liveblog/signout.py).
    path(f"{settings.ADMIN_URL}logout/", sign_out, name="sign_out"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon, the admin's.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy_static("liveblog/favicon.svg"), permanent=True),
        name="favicon",
    ),
    # The index is the entries app's, an entry's page the updates app's: the
    # names stay `entries:index` and `entries:detail`.
    path(
        "",
        include(
            (
                [
                    path("", index, name="index"),
                    path("entries/<slug:slug>/", detail, name="detail"),
                ],
                "entries",
            )
        ),
    ),
]

if not settings.MEDIA_S3_BUCKET and settings.MEDIA_URL.startswith("/"):
    # Photos from MEDIA_ROOT; with a bucket, readers fetch them from there.
    urlpatterns.append(
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<name>photos/[0-9a-f]{{64}}-[0-9]{{1,5}}\.webp)$",
            media,
            name="media",
        )
    )

if settings.LIVEBLOG_BENCH:
    from liveblog.bench import trivial

    urlpatterns.append(path("bench/trivial.json", trivial, name="bench-trivial"))
