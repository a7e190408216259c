from django.apps import AppConfig


class RemovalsConfig(AppConfig):
    name = "cases.removals"
    label = "removals"
    verbose_name = "Removal requests"
    default_auto_field = "django.db.models.BigAutoField"
