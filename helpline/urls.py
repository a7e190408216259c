"""The portal's URL map."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from cases.removals.replies import webhooks as reply_webhooks
from helpline import quick_exit, views

admin.site.site_header = "Helpline portal administration"
admin.site.site_title = "Helpline admin"
# The admin's own password form would sign staff in without their second factor: send it to the staff sign-in
# (allauth, with MFA) instead. tests/security/test_authorization_matrix.py checks it.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("exit/", quick_exit.quick_exit, name="quick_exit"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("cases.casework.urls")),
    path("staff/", include("helpline.staff.urls")),
    path("staff/", include("cases.removals.urls")),
    path("staff/reports/", include("cases.reporting.urls")),
    path("admin/", admin.site.urls),
    path("stopncii/v1/", include("hashing.bank.stopncii_urls")),
    path("api/v1/", include("hashing.api_urls")),
    path("inbound/mailgun/", reply_webhooks.mailgun_inbound, name="inbound_mailgun"),
    path("inbound/mandrill/", reply_webhooks.mandrill_inbound, name="inbound_mandrill"),
    path("inbound/postmark/", reply_webhooks.postmark_inbound, name="inbound_postmark"),
    path("inbound/sendgrid/", reply_webhooks.sendgrid_inbound, name="inbound_sendgrid"),
    path("inbound/amazon-ses/", reply_webhooks.amazon_ses_inbound, name="inbound_amazon_ses"),
    path("", include("cases.public_urls")),
]

handler500 = "helpline.views.server_error"
