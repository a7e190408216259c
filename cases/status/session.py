"""The victim's status session: separate from staff sign-in, bound to one case, ended after 30 idle minutes."""

from __future__ import annotations

import time
from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cases.models import Case

SESSION_KEY = "victim_case"
IDLE_SECONDS = 30 * 60


def victim_session_start(request, case: Case) -> None:
    # A new session key on sign-in: a session id planted before it is worthless afterwards.
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"id": case.pk, "seen": time.time()}


def victim_session_end(request) -> None:
    if SESSION_KEY in request.session:
        del request.session[SESSION_KEY]
        request.session.cycle_key()


def victim_session_case(request) -> tuple[Case | None, bool]:
    """The signed-in victim's case and whether a session just timed out."""
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict):
        return None, False
    if time.time() - float(state.get("seen") or 0) > IDLE_SECONDS:
        victim_session_end(request)
        return None, True
    case = Case.objects.filter(pk=state.get("id"), erased_at__isnull=True).first()
    if case is None:
        victim_session_end(request)
        return None, False
    request.session[SESSION_KEY] = {"id": case.pk, "seen": time.time()}
    return case, False


def victim_required(view):
    """Views of the victim's own case: need a live status session, else back to the sign-in form."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        case, timed_out = victim_session_case(request)
        if case is None:
            if timed_out:
                messages.info(request, _("For your safety you were signed out after 30 minutes without activity."))
            return redirect("status:sign_in")
        request.victim_case = case
        return view(request, *args, **kwargs)

    return wrapper
