from django.apps import AppConfig


class HashingConfig(AppConfig):
    name = "hashing"
    verbose_name = "Hashing and hash bank"
    default_auto_field = "django.db.models.BigAutoField"
