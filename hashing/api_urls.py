"""URLs of the native partner API, mounted at /api/v1/ (the namespace is the one the API reverses its own root in)."""

from django.urls import path

from hashing.api import api
from hashing.partner_docs import partner_docs

app_name = api.urls_namespace
urlpatterns = [path("docs", partner_docs, name="partner-docs"), *api.urls[0]]
