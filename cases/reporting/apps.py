from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "cases.reporting"
    label = "reporting"
    verbose_name = "Reporting"
    default_auto_field = "django.db.models.BigAutoField"
