"""The Django project: settings, URLs, the Celery app and the staff accounts."""

from helpline.celery import app as celery_app

__all__ = ["celery_app"]
