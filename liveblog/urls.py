from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Liveblog"
admin.site.site_title = "Liveblog admin"
admin.site.index_title = "Entries and updates"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon, the admin's.
    path("favicon.ico", RedirectView.as_view(url=static("liveblog/favicon.svg"), permanent=True)),
    path("", include("entries.urls")),
    path("", include("updates.urls")),
]
