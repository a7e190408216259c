"""URLs of the intake wizard."""

from django.urls import path

from cases.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.start, name="start"),
    path("step/<slug:name>/", views.step, name="step"),
    path("check/", views.check, name="check"),
    path("done/", views.done, name="done"),
    path("discard/", views.discard, name="discard"),
]
