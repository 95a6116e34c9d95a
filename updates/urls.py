from django.urls import path

from updates import feeds, stream, views

app_name = "updates"

urlpatterns = [
    path("entries/<slug:slug>/updates.json", views.poll, name="poll"),
    path("entries/<slug:slug>/feed.atom", feeds.entry_feed, name="feed"),
    path("entries/<slug:slug>/events", stream.events, name="events"),
]
