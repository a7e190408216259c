"""URLs of the native partner API, mounted at /api/v1/ (the namespace is the one the API reverses its own root in)."""

from hashing.api import api

app_name = api.urls_namespace
urlpatterns = api.urls[0]
