"""The service's 'now' for everything deadline-driven, computed on every request (no scheduled job closes a
form): the real time, moved by the `ClockShift` when the clock is adjustable (demo mode and tests), so a demo
can stand inside the self-assessment window and a test can pass a deadline without sleeping."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def adjustable() -> bool:
    return bool(getattr(settings, "VANBAN_CLOCK_ADJUSTABLE", False))


def shift() -> timedelta:
    if not adjustable():
        return timedelta(0)
    from web.assessment.models import ClockShift

    seconds = ClockShift.objects.order_by("pk").values_list("seconds", flat=True).first()
    return timedelta(seconds=seconds or 0)


def now() -> datetime:
    return timezone.now() + shift()


def today() -> date:
    """The date in Việt Nam now (a deadline's day is a Vietnamese calendar day, whatever the server's zone)."""
    return now().astimezone(VN).date()


def set_now(target: datetime, *, by: str = "") -> None:
    """Move the adjustable clock so that now() is `target` (naive datetimes are Vietnamese time)."""
    from web.assessment.models import ClockShift

    if not adjustable():
        raise RuntimeError("the clock is not adjustable outside demo mode and tests")
    if timezone.is_naive(target):
        target = target.replace(tzinfo=VN)
    # Rounded up: the shift is whole seconds, and a clock set to a deadline's 24h00 must not read 23:59:59.
    seconds = math.ceil((target - timezone.now()).total_seconds())
    row = ClockShift.objects.order_by("pk").first() or ClockShift()
    row.seconds, row.set_by = seconds, by
    row.save()


def reset() -> None:
    from web.assessment.models import ClockShift

    ClockShift.objects.all().delete()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=VN)


def end_of_day(day: date) -> datetime:
    """24h00 of `day` in Việt Nam: the first instant after it (the letters' «kết thúc 24h00' ngày …»)."""
    return start_of_day(day + timedelta(days=1))
