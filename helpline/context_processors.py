"""Values every template may need: the site's name, the quick-exit target and the staff role."""

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from helpline.quick_exit import quick_exit_token
from helpline.staff.roles import role_of

# The default SITE_NAME, so it is in the catalogues: the default name reads in the page's language, a name the
# helpline sets (its own proper name) reads the same in every language unless the catalogues translate it.
DEFAULT_SITE_NAME = gettext_noop("Helpline portal")


def portal(request):
    return {
        "SITE_NAME": gettext(settings.SITE_NAME) if settings.SITE_NAME else "",
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "quick_exit_token": quick_exit_token(request),
        "HELPLINE_PHONE": settings.HELPLINE_PHONE,
        "staff_role": role_of(request.user) if hasattr(request, "user") else None,
    }
