"""Every public page of the victims' side: intake, status and the help pages."""

from django.urls import include, path

urlpatterns = [
    path("help/", include("cases.intake.urls")),
    path("status/", include("cases.status.urls")),
    path("", include("cases.guide.urls")),
]
