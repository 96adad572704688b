"""Vietnamese conventions, in one place: dates (reading and NĐ 30/2020 writing), the working-day calendar,
numbers with a decimal comma, alphabetical order, ASCII ids from names, and the Vietnam time zone.

Every other module calls these helpers; none formats a date, a number or a time on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from letters.core.errors import VanbanError

if TYPE_CHECKING:
    import holidays

# --------------------------------------------------------------------------- time zone

VN_TZ = timezone(timedelta(hours=7), "+07:00")
"""Vietnam's offset. Vietnam keeps no daylight saving time, so a fixed offset is exact."""


def vn_now() -> datetime:
    """The current moment in Vietnam, to the second."""
    return datetime.now(VN_TZ).replace(microsecond=0)


def vn_today() -> date:
    """Today's date in Vietnam (not the machine's zone: a server abroad must not shift deadlines)."""
    return datetime.now(VN_TZ).date()


def to_vn(moment: datetime) -> datetime:
    """`moment` in Vietnam time. A naive datetime is taken as UTC: certificates, timestamps and PDF
    signing times are UTC when they carry no offset, and the machine's own zone means nothing here."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ)


def iso_vn(moment: datetime) -> str:
    """ISO 8601 with Vietnam's offset, to the second: 2023-12-06T09:15:30+07:00."""
    return to_vn(moment).replace(microsecond=0).isoformat()


def time_text(moment: datetime | str) -> str:
    """'09:15 ngày 06/12/2023': a moment as Vietnamese text shows it, in Vietnam time.

    Also takes the ISO 8601 text reports store (2023-12-06T09:15:30+07:00); text that is not ISO 8601 is
    already words and comes back unchanged."""
    if isinstance(moment, str):
        try:
            local = to_vn(datetime.fromisoformat(moment))
        except ValueError:
            return moment
    else:
        local = to_vn(moment)
    return f"{local:%H:%M} ngày {short(local.date())}"


# --------------------------------------------------------------------------- reading dates

_DMY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


class DateFormatError(VanbanError, ValueError):
    """Raised with a Vietnamese message when a date cannot be read or does not exist."""


def parse_date(value: object) -> date:
    """Read a date as users write it: 'dd/mm/yyyy' (05/11/2024, 5/11/2024) or ISO 'yyyy-mm-dd'.

    A `date` is returned as it is and a `datetime` (a YAML timestamp, an Excel cell) gives its date, in
    Vietnam time when it carries an offset. A date that does not exist (30/02/2023, 2023-02-30) raises
    DateFormatError, never a silent correction.
    """
    if isinstance(value, datetime):
        return to_vn(value).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
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
    if not 1 <= month <= 12:
        raise DateFormatError(f"ngày {text} không tồn tại (không có tháng {month})")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateFormatError(
            f"ngày {text} không tồn tại (tháng {month} năm {year} không có ngày {day})"
        ) from None


# --------------------------------------------------------------------------- writing dates (NĐ 30/2020)


def pad_day(d: date | int) -> str:
    """NĐ 30/2020: days below 10 take a leading zero (05)."""
    day = d if isinstance(d, int) else d.day
    return f"{day:02d}"


def pad_month(d: date | int) -> str:
    """NĐ 30/2020: months 1 and 2 take a leading zero (01, 02), the others do not (5, 12)."""
    month = d if isinstance(d, int) else d.month
    return f"{month:02d}" if month < 3 else str(month)


def short(d: date) -> str:
    """The numeric form, with the decree's leading-zero rule: 05/5/2023, 15/01/2024.

    The one numeric form vanban writes for users, in documents, messages and reports alike: a message
    (a verification reason, say) may be quoted in a letter, so the two cannot differ."""
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


def deadline_text(last_day: date) -> str:
    """A deadline as every document writes it: 'chậm nhất ngày 24/10/2023'.

    A deadline is the last day on which a submission is on time ("đến hết ngày"): the same date is printed,
    checked against the calendar and compared with submission dates. "trước ngày X" is never written, because
    readers disagree on whether it includes X (see docs/deadlines.md).
    """
    return f"chậm nhất ngày {short(last_day)}"


# --------------------------------------------------------------------------- working days


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    import holidays  # 45 ms: only the calendar checks need it, not every module that formats a date

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


# --------------------------------------------------------------------------- numbers


def roman(n: int) -> str:
    """Roman numerals, as NĐ 30 numbers Phụ lục and Phần: 1 → 'I', 14 → 'XIV'."""
    if n <= 0:
        raise ValueError(f"no Roman numeral for {n}")
    out = []
    for value, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def number(
    value: Decimal | float | int, places: int | None = None, *, trim: bool = False, grouping: bool = True
) -> str:
    """A number as Vietnamese text: decimal comma, a dot between thousands (1.234,5).

    `places=None` keeps the digits the value has (8,5; 1.000); `places=n` rounds half up to exactly n
    decimals (712,50), and `trim` then drops the trailing zeros (712,5; 1.000). `grouping=False` leaves
    out the thousands dot, for cells a program reads back (1234,5), where "1.000" would read as one.
    """
    if isinstance(value, float):
        # str() is the shortest text that reads back as the float: 2.675 stays 2.675, not 2.67499…
        value = Decimal(str(value))
    d = Decimal(value)
    if places is None:
        d = d.normalize()
    else:
        d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if d.is_zero():
        d = abs(d)  # never "-0,00"
    text = format(d, ",f" if grouping else "f")
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def points_text(value: Decimal | float | int) -> str:
    """Points as the letters write them: at most two decimals, none when not needed (712,5; 1.000)."""
    return number(value, 2, trim=True)


# --------------------------------------------------------------------------- alphabetical order


@lru_cache(maxsize=1)
def _collator() -> Any:
    import icu  # PyICU: the CLDR "vi" tailoring orders ă/â/đ/ê/ô/ơ/ư as letters of their own

    return icu.Collator.createInstance(icu.Locale("vi_VN"))


def vi_sort_key(text: str) -> bytes:
    """Sort key for Vietnamese dictionary order: a < ă < â, d < đ, tones after the base letter."""
    return bytes(_collator().getSortKey(text))


def vi_sorted(names: Iterable[str]) -> list[str]:
    return sorted(names, key=vi_sort_key)


# --------------------------------------------------------------------------- ASCII ids

# Apostrophes inside a name (Ea Hʼleo, K'Bang) belong to the word: they join it, never split it.
_APOSTROPHES = str.maketrans("", "", "'\u2018\u2019\u02bc\u02b9\u0060\u00b4")


def slugify(text: str) -> str:
    """ASCII id from a Vietnamese name: "Sở Tư pháp" → "so-tu-phap", "Xã Ea Hʼleo" → "xa-ea-hleo".

    đ becomes d and tones are dropped; apostrophes vanish inside the word; any other run of characters
    that are not ASCII letters or digits (spaces, "&", "-", "–", "/") becomes one "-".
    """
    text = text.replace("đ", "d").replace("Đ", "D").translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", base).strip("-")


# --------------------------------------------------------------------------- names of people

# The five tone marks, as combining characters; the other marks (circumflex, breve, horn) shape the letter.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def person_name_key(name: str) -> str:
    """A person's name reduced to what tells two people apart, to compare names written by different software.

    Case, spacing, Unicode form (composed or not) and the old or new place of the tone mark (Hoà/Hòa,
    Thuý/Thúy) do not matter; letters, their marks and each syllable's tone do ("Phong" ≠ "Phòng").
    """
    syllables = []
    for word in name.split():
        decomposed = unicodedata.normalize("NFD", word.casefold())
        tones = "".join(sorted(ch for ch in decomposed if ch in _TONE_MARKS))
        letters = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
        syllables.append(letters + tones)
    return " ".join(syllables)
