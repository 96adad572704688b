"""Dates as NĐ 30/2020 writes them, inclusive day counts, and Vietnamese working days."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays

_DMY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


class DateFormatError(ValueError):
    """Raised with a Vietnamese message when a date cannot be read or does not exist."""


def parse_date(value: object) -> date:
    """Read 'dd/mm/yyyy' (as users write) or ISO 'yyyy-mm-dd'; reject dates that do not exist."""
    if isinstance(value, date):
        return value
    text = str(value)
    m = _DMY.match(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _ISO.match(text)
        if not m:
            raise DateFormatError(
                f"«{text}» không phải là ngày hợp lệ; hãy viết theo dạng ngày/tháng/năm, ví dụ 05/11/2024"
            )
        year, month, day = (int(g) for g in m.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise DateFormatError(
            f"ngày {text} không tồn tại (tháng {month} năm {year} không có ngày {day})"
        ) from None


def pad_day(d: date) -> str:
    return f"{d.day:02d}"


def pad_month(d: date) -> str:
    """NĐ 30/2020: months 1 and 2 take a leading zero, the others do not."""
    return f"{d.month:02d}" if d.month < 3 else str(d.month)


def short(d: date) -> str:
    """The numeric form used in running text, with the decree's leading-zero rule: 05/5/2023, 15/01/2024."""
    return f"{pad_day(d)}/{pad_month(d)}/{d.year}"


def in_words(d: date) -> str:
    """'ngày 06 tháng 12 năm 2023', the form of the place-and-date line."""
    return f"ngày {pad_day(d)} tháng {pad_month(d)} năm {d.year}"


def blank_in_words(year: int) -> str:
    """A draft's date, left for the văn thư to fill at issuance."""
    return f"ngày      tháng      năm {year}"


def place_and_date(place: str, d: date | None, year: int) -> str:
    return f"{place}, {in_words(d) if d else blank_in_words(year)}"


def inclusive_days(start: date, end: date) -> int:
    """Days from start to end, both counted: 10/10 to 24/10 is 15 days."""
    return (end - start).days + 1


def range_text(start: date, end: date) -> str:
    return f"từ ngày {short(start)} đến hết ngày {short(end)} ({inclusive_days(start, end)} ngày)"


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Vietnam(years=year, language="vi")


class WorkCalendar:
    """Vietnamese public holidays (from `holidays`) plus a campaign's own additions and swaps.

    The government announces make-up working days and extra days off each year, later than
    any library can know; the campaign file lists them so checks use the real calendar.
    """

    def __init__(self, extra_days_off: Iterable[date] = (), extra_working_days: Iterable[date] = ()) -> None:
        self.extra_days_off = {d: "ngày nghỉ bổ sung theo hồ sơ chiến dịch" for d in extra_days_off}
        self.extra_working_days = set(extra_working_days)

    def holiday_name(self, d: date) -> str | None:
        if d in self.extra_working_days:
            return None
        if d in self.extra_days_off:
            return self.extra_days_off[d]
        return _vn_holidays(d.year).get(d)

    def non_working_reason(self, d: date) -> str | None:
        """Why `d` is not a working day (weekend or holiday), or None if it is one."""
        if d in self.extra_working_days:
            return None
        name = self.holiday_name(d)
        if name:
            return f"ngày lễ, Tết ({name})"
        if d.weekday() >= 5:
            return WEEKDAYS_VI[d.weekday()]
        return None
