"""App config for the project package itself (staff accounts, invitations, worker heartbeat)."""

from django.apps import AppConfig


class HelplineConfig(AppConfig):
    name = "helpline"
    verbose_name = "Helpline staff"
    default_auto_field = "django.db.models.BigAutoField"
