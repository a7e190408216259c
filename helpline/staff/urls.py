from django.urls import path

from helpline.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/accept/", views.invitation_accept_view, name="invitation_accept_form"),
    path("invitations/accept/<str:token>/", views.invitation_redeem_view, name="invitation_accept"),
]
