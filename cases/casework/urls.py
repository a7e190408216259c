"""Casework URLs, under /staff/ (included from helpline/urls.py before the other staff pages)."""

from django.urls import path

from cases.casework import pack_views, views

app_name = "casework"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/claim/", views.case_claim, name="claim"),
    path("cases/<str:reference>/assign/", views.case_assign, name="assign"),
    path("cases/<str:reference>/status/", views.case_status, name="status"),
    path("cases/<str:reference>/bank/release/", views.bank_release, name="bank_release"),
    path("cases/<str:reference>/notes/", views.note_add, name="note_add"),
    path("cases/<str:reference>/messages/", views.message_send, name="message_send"),
    path("cases/<str:reference>/evidence/", views.evidence_add, name="evidence_add"),
    path("cases/<str:reference>/evidence/<int:evidence_id>/", views.evidence_file, name="evidence_file"),
    path("cases/<str:reference>/evidence-pack/", pack_views.evidence_pack, name="evidence_pack"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]
