"""How django-axes names the account in a failed sign-in: allauth authenticates by `email`."""


def login_username(request, credentials: dict | None) -> str | None:
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not value and request is not None and hasattr(request, "POST"):
        value = request.POST.get("login")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None
