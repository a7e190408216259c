"""Reporting URLs, included under /staff/reports/ (see helpline/urls.py)."""

from django.urls import path

from cases.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.cases_report, name="cases"),
    path("removals/", views.removals_report, name="removals"),
    path("queue/", views.queue_report, name="queue"),
    path("hash-bank/", views.bank_report, name="bank"),
    path("mine/", views.own_report, name="mine"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("export/external/<slug:table>.csv", views.export_external, name="export_external"),
    path("mine/export/<slug:table>.csv", views.own_export, name="own_export"),
]
