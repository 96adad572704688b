"""`{{ user|person }}`: a person as pages name them, whatever is missing (a deleted account leaves None)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def person(user: Any) -> str:
    """The profile's full name, else the user name, else a dash."""
    if user is None:
        return "—"
    # A user without a profile (a superuser made by the command line) raises an AttributeError subclass here.
    profile = getattr(user, "profile", None)
    return (profile.full_name if profile is not None else "") or user.get_username() or "—"
