"""What every page needs to know about the person looking at it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from web.accounts.roles import role_of


def roles(request: HttpRequest) -> dict[str, Any]:
    from web.navigation import visible_entries

    user = request.user
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return {
        "current_role": role_of(user),
        "current_profile": profile,
        "demo_mode": settings.DEMO,
        # Worked out only when a page shows the header (never for the htmx fragments).
        "nav_entries": SimpleLazyObject(lambda: visible_entries(request)),
    }
