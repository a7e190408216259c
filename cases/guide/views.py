"""Public help pages. They read and write nothing: the privacy check runs entirely in the browser."""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def guide(request):
    return render(request, "guide/guide.html")


@require_GET
def browse_privately(request):
    return render(request, "guide/browse_privately.html")


@require_GET
def privacy_check(request):
    return render(request, "guide/privacy_check.html")
