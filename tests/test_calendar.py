from datetime import date

import pytest

from letters.core import vn as cal


@pytest.mark.parametrize(
    ("d", "short", "words"),
    [
        (date(2023, 12, 6), "06/12/2023", "ngày 06 tháng 12 năm 2023"),
        (date(2024, 1, 5), "05/01/2024", "ngày 05 tháng 01 năm 2024"),
        (date(2024, 2, 29), "29/02/2024", "ngày 29 tháng 02 năm 2024"),
        (date(2023, 5, 5), "05/5/2023", "ngày 05 tháng 5 năm 2023"),
        (date(2022, 9, 17), "17/9/2022", "ngày 17 tháng 9 năm 2022"),
        (date(2023, 10, 10), "10/10/2023", "ngày 10 tháng 10 năm 2023"),
    ],
)
def test_nd30_leading_zero_rule(d: date, short: str, words: str) -> None:
    assert cal.short(d) == short
    assert cal.in_words(d) == words


def test_inclusive_day_counts() -> None:
    assert cal.inclusive_days(date(2023, 10, 10), date(2023, 10, 24)) == 15
    assert cal.inclusive_days(date(2023, 11, 30), date(2023, 12, 10)) == 11
    assert (
        cal.range_text(date(2023, 11, 20), date(2023, 11, 29))
        == "từ ngày 20/11/2023 đến hết ngày 29/11/2023 (10 ngày)"
    )


@pytest.mark.parametrize("text", ["31/02/2023", "30/2/2023", "29/02/2023", "00/01/2024", "12/13/2023"])
def test_impossible_dates_are_refused_in_vietnamese(text: str) -> None:
    with pytest.raises(cal.DateFormatError, match="không tồn tại"):
        cal.parse_date(text)


def test_date_forms_users_write() -> None:
    assert cal.parse_date("5/11/2024") == date(2024, 11, 5)
    assert cal.parse_date("2024-11-05") == date(2024, 11, 5)
    with pytest.raises(cal.DateFormatError, match="ngày/tháng/năm"):
        cal.parse_date("mùng 5 tháng 11")


def test_working_days_know_vietnamese_holidays() -> None:
    work = cal.WorkCalendar()
    assert "Quốc khánh" in (work.non_working_reason(date(2024, 9, 2)) or "")
    assert "Tết" in (work.non_working_reason(date(2025, 1, 29)) or "")
    assert work.non_working_reason(date(2024, 11, 9)) == "thứ Bảy"
    assert work.non_working_reason(date(2024, 11, 5)) is None


def test_campaign_calendar_overrides() -> None:
    work = cal.WorkCalendar(extra_days_off=[date(2024, 11, 5)], extra_working_days=[date(2024, 11, 9)])
    assert work.non_working_reason(date(2024, 11, 5))
    assert work.non_working_reason(date(2024, 11, 9)) is None
