"""Dates and moments as the deadline pages write them, in Việt Nam's time whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from letters.core.vn import short, time_text
from web.deadlines.services import deadline_text

register = template.Library()


@register.filter
def ngay(value: date | None) -> str:
    """05/11/2024"""
    return short(value) if value else ""


@register.filter
def han(value: date | None) -> str:
    """24 giờ 00 ngày 05/11/2024"""
    return deadline_text(value) if value else "không có hạn"


@register.filter
def mo(value: date | None) -> str:
    """00 giờ 00 ngày 28/10/2024"""
    return f"00 giờ 00 ngày {short(value)}" if value else "khi cấp tài khoản"


@register.filter
def luc(value: datetime | None) -> str:
    """09:15 ngày 06/12/2023 (Việt Nam)"""
    return time_text(value) if value else ""
