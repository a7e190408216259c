"""Staff roles as Django groups, and the checks every staff view uses."""

from __future__ import annotations

from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
ROLES = (CASEWORKER, SUPERVISOR)


def role_of(user) -> str | None:
    """'supervisor', 'caseworker', 'admin' for superusers without a role, or None for non-staff."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_helpline_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = SUPERVISOR if SUPERVISOR in names else CASEWORKER if CASEWORKER in names else None
    if role is None and user.is_superuser:
        role = "admin"
    user._helpline_role = role
    return role


def has_mfa(user) -> bool:
    cached = getattr(user, "_helpline_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._helpline_has_mfa = cached
    return cached


def group(role: str) -> Group:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return Group.objects.get_or_create(name=role)[0]


def staff_required(*roles: str):
    """Allow signed-in staff with MFA enrolled, optionally only the given roles (admins pass too)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request)
            role = role_of(user)
            if role is None:
                raise PermissionDenied("This page is for helpline staff.")
            if not has_mfa(user):
                return redirect("mfa_activate_totp")
            if roles and role not in roles and role != "admin":
                raise PermissionDenied("Your role cannot open this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def redirect_to_login(request):
    from django.contrib.auth.views import redirect_to_login as django_redirect

    return django_redirect(request.get_full_path())
