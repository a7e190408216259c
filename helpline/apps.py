"""App config for the project package itself (staff accounts, invitations, worker heartbeat)."""

from django.apps import AppConfig


class HelplineConfig(AppConfig):
    name = "helpline"
    verbose_name = "Helpline staff"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpline import dbroles  # noqa: F401  (registers the deploy check on the portal's database role)
