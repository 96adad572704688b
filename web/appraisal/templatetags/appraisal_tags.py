"""How the appraisal pages write scores, moments and people: Vietnamese decimals and Việt Nam time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template

from letters.core.vn import points_text, time_text
from web.accounts.roles import person_name

register = template.Library()


@register.filter
def points(value: Decimal | None, empty: str = "—") -> str:
    """8.50 → "8,5"; nothing → a dash (or the text given)."""
    return empty if value is None else points_text(value)


@register.filter
def score_input(value: Decimal | None) -> str:
    """The value a score field starts with: "8,5", or empty."""
    return "" if value is None else points_text(value)


@register.filter
def vn_time(value: datetime | None) -> str:
    """ "09:15 ngày 06/12/2025" in Việt Nam time, whatever the server's zone."""
    return "" if value is None else time_text(value)


@register.filter
def person(user: Any) -> str:
    return "" if user is None else person_name(user)


VERDICT_BADGE = {
    "hop_le": "ok",
    "khong_hop_le": "bad",
    "loi": "bad",
    "chua_ky": "warn",
    "chua_xac_dinh": "warn",
}


@register.filter
def verdict_class(verdict: str) -> str:
    """The badge colour of an evidence file's verdict (valid green, invalid red, doubtful amber)."""
    return VERDICT_BADGE.get(verdict, "")
