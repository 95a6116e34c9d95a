from django.urls import path

from entries import views

app_name = "entries"

urlpatterns = [
    path("", views.index, name="index"),
    path("entries/<slug:slug>/", views.detail, name="detail"),
]
