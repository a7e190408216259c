"""Staff URLs for removal requests, included under /staff/ (see helpline/urls.py).

The board lives at cases/<reference>/removals/ so it never shadows the casework case page at cases/<reference>/,
which includes the same board (templates/removals/_board.html)."""

from django.urls import path

from cases.removals import views
from cases.removals.replies import views as reply_views

app_name = "removals"

urlpatterns = [
    path("cases/<str:reference>/removals/", views.case_board, name="case_board"),
    path("cases/<str:reference>/removals/evidence-confirmed/", views.evidence_confirm, name="evidence_confirm"),
    path(
        "cases/<str:reference>/removals/<int:request_id>/abuse-contact/lookup/",
        views.abuse_contact_lookup,
        name="abuse_lookup",
    ),
    path("replies/<int:reply_id>/<slug:action>/", reply_views.reply_action, name="reply_action"),
    path("replies/triage/", reply_views.triage, name="reply_triage"),
    path(
        "cases/<str:reference>/removals/<int:request_id>/<slug:action>/",
        views.request_action,
        name="request_action",
    ),
]
