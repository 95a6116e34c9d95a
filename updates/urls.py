from django.urls import path

from updates import feeds, views

app_name = "updates"

urlpatterns = [
    path("entries/<slug:slug>/updates.json", views.poll, name="poll"),
    path("entries/<slug:slug>/feed.atom", feeds.entry_feed, name="feed"),
]
