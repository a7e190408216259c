"""Values every template may need: the site's name, the quick-exit target and the staff role."""

from django.conf import settings

from helpline.quick_exit import quick_exit_token
from helpline.staff.roles import role_of


def portal(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "quick_exit_token": quick_exit_token(request),
        "HELPLINE_PHONE": settings.HELPLINE_PHONE,
        "staff_role": role_of(request.user) if hasattr(request, "user") else None,
    }
