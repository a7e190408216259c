"""URLs of the StopNCII-compatible feed; StopNCII clients take this as their base URL (`.../stopncii/v1`)."""

from django.urls import path

from hashing.bank import stopncii

app_name = "stopncii"

urlpatterns = [
    path("FetchHashes", stopncii.fetch_hashes, name="fetch_hashes"),
    path("SubmitFeedback", stopncii.submit_feedback, name="submit_feedback"),
]
