"""URLs of the victim's status pages."""

from django.urls import path

from cases.status import dmca, stopncii, summary, views

app_name = "status"
urlpatterns = [
    path("", views.sign_in, name="sign_in"),
    path("case/", views.case, name="case"),
    path("case/links/", views.add_urls, name="add_urls"),
    path("case/fingerprints/", views.add_hashes, name="add_hashes"),
    path("case/contact/", views.contact, name="contact"),
    path("case/summary/", summary.case_summary, name="summary"),
    path("case/stopncii/", stopncii.stopncii, name="stopncii"),
    path("case/withdraw/", views.withdraw, name="withdraw"),
    path("case/delete/", views.delete, name="delete"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("case/copyright-notice/", dmca.dmca_confirm, name="dmca_confirm"),
]
