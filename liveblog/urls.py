from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Liveblog"
admin.site.site_title = "Liveblog admin"
admin.site.index_title = "Entries and updates"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("entries.urls")),
    path("", include("updates.urls")),
]
