"""App config for the project package itself (staff accounts, invitations, worker heartbeat)."""

from django.apps import AppConfig


class HelplineConfig(AppConfig):
    name = "helpline"
    verbose_name = "Helpline staff"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import authentication_step_completed
        from allauth.mfa.models import Authenticator
        from allauth.mfa.signals import authenticator_added

        from helpline import dbroles  # noqa: F401  (registers the deploy check on the portal's database role)
        from helpline.staff.adapters import mark_enrolled, mark_signed_in

        def enrolled(sender, request, user, authenticator, **kwargs):
            if authenticator.type == Authenticator.Type.TOTP and request is not None:
                mark_enrolled(request)

        def step_completed(sender, request, user, method, **kwargs):
            if request is not None:
                mark_signed_in(request)

        authenticator_added.connect(enrolled, weak=False, dispatch_uid="helpline-mfa-enrolled")
        authentication_step_completed.connect(step_completed, weak=False, dispatch_uid="helpline-signed-in")
