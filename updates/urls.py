from django.urls import path

from updates import views

app_name = "updates"

urlpatterns = [
    path("entries/<slug:slug>/updates.json", views.poll, name="poll"),
]
