"""URLs of the native partner API, mounted at /api/v1/ (the namespace is the one the API reverses its own root in)."""

from django.urls import path

from hashing.api import api
from hashing.partner_docs import partner_docs, partner_docs_explorer

app_name = api.urls_namespace
urlpatterns = [
    path("docs", partner_docs, name="partner-docs"),
    path("docs/explorer", partner_docs_explorer, name="partner-docs-explorer"),
    *api.urls[0],
]
