"""URLs of the public help pages."""

from django.urls import path

from cases.guide import views

app_name = "guide"
urlpatterns = [
    path("guide/", views.guide, name="guide"),
    path("guide/browse-privately/", views.browse_privately, name="browse_privately"),
    path("privacy-check/", views.privacy_check, name="privacy_check"),
]
