from django.urls import path

from helpline.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/accept/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
]
