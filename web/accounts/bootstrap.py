"""First start: the quản trị account with a one-time password printed once, to be changed at first login."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from web.accounts.models import Agency, Profile, Role

ADMIN_USERNAME = "quantri"


@dataclass(frozen=True)
class FirstAdmin:
    username: str
    password: str


def ensure_first_admin() -> FirstAdmin | None:
    """Create the quản trị when no user exists yet; None when the service already has users."""
    user_model = get_user_model()
    with transaction.atomic():
        if user_model.objects.exists():
            return None
        agency, _ = Agency.objects.get_or_create(
            code="so", defaults={"name": "Sở Khoa học và Công nghệ", "abbreviation": "SKHCN"}
        )
        password = secrets.token_urlsafe(12)
        user = user_model.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
        Profile.objects.create(
            user=user,
            agency=agency,
            role=Role.ADMIN,
            full_name="Quản trị hệ thống",
            must_change_password=True,
        )
    return FirstAdmin(ADMIN_USERNAME, password)
