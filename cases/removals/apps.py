from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RemovalsConfig(AppConfig):
    name = "cases.removals"
    label = "removals"
    verbose_name = "Removal requests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.removals.signals import load_directory_after_migrate

        # `migrate` alone leaves a loaded directory (tests, the demo and compose need no extra step).
        post_migrate.connect(load_directory_after_migrate, sender=self, dispatch_uid="removals_directory_load")
