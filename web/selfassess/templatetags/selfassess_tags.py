"""Filters of the unit's pages: points and moments as Vietnamese text, verdict colours, transition labels."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template

from letters.core.vn import points_text, time_text
from web.evidence.storage import size_text

register = template.Library()

VERDICT_CLASS = {
    "hop_le": "ok",
    "dang_kiem_tra": "pending",
    "chua_xac_dinh": "warn",
    "chua_ky": "bad",
    "khong_hop_le": "bad",
    "loi": "bad",
}


@register.filter
def points(value: Decimal | int | float | None) -> str:
    return "" if value is None or value == "" else points_text(value)


@register.filter
def vn_time(value: datetime | str | None) -> str:
    return time_text(value) if value else ""


@register.filter
def filesize(value: int | None) -> str:
    return size_text(int(value or 0))


@register.filter
def verdict_class(value: str) -> str:
    return VERDICT_CLASS.get(str(value), "")


@register.filter
def action_label(value: str) -> str:
    from web.assessment.states import BY_ACTION

    t = BY_ACTION.get(str(value))
    return t.label if t is not None else str(value)


@register.filter
def state_label(value: str) -> str:
    from web.assessment.models import State

    try:
        return str(State(value).label)
    except ValueError:
        return str(value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
