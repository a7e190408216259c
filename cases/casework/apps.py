from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "cases.casework"
    label = "casework"
    verbose_name = "Casework"
    default_auto_field = "django.db.models.BigAutoField"
