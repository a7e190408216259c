"""App config for the project package itself (staff accounts, invitations, worker heartbeat)."""

from django.apps import AppConfig


class HelplineConfig(AppConfig):
    name = "helpline"
    verbose_name = "Helpline staff"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.mfa.models import Authenticator
        from allauth.mfa.signals import authenticator_added

        from helpline import dbroles  # noqa: F401  (registers the deploy check on the portal's database role)
        from helpline.staff.adapters import mark_enrolled

        def enrolled(sender, request, user, authenticator, **kwargs):
            if authenticator.type == Authenticator.Type.TOTP and request is not None:
                mark_enrolled(request)

        authenticator_added.connect(enrolled, weak=False, dispatch_uid="helpline-mfa-enrolled")
