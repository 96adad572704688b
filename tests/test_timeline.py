"""The campaign's timeline: printed by `vanban check`, exported by `vanban calendar`; progress bars."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli.main import cli
from tests.conftest import EXAMPLES


def test_check_ends_with_every_phase_and_deadline_per_tier() -> None:
    result = CliRunner().invoke(cli, ["check", str(EXAMPLES / "brvt-2024.yaml")])
    assert result.exit_code == 0, result.output
    timeline = result.output.split("Lịch đợt đánh giá", 1)[1]
    # Each tier, its phases with calendar and working days, its deadlines in the documents' own words.
    assert "  UBND các huyện, thị xã, thành phố:" in timeline
    assert "  UBND các xã, phường, thị trấn:" in timeline
    assert (
        "28/10/2024 – 04/11/2024  Tự đánh giá, chấm điểm và gửi kết quả (8 ngày, 6 ngày làm việc)" in timeline
    )
    assert "chậm nhất ngày 05/11/2024, gửi UBND các huyện, thị xã, thành phố" in timeline
    # The district sees the communes' deadline as the day it receives their results.
    huyen = timeline.split("  UBND các huyện, thị xã, thành phố:\n")[1].split(
        "  UBND các xã, phường, thị trấn:"
    )[0]
    assert "Nhận kết quả của UBND các xã, phường, thị trấn" in huyen
    # Steps come in date order within a tier.
    lines = [line.strip() for line in huyen.splitlines() if line.strip()[:2].isdigit()]
    starts = [date(int(s[6:10]), int(s[3:5]), int(s[:2])) for s in lines]
    assert starts == sorted(starts)


def test_check_with_errors_prints_no_timeline(example_copy: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8").replace("    end: 24/10/2023\n", "    end: 30/02/2023\n")
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1 and "Lịch đợt đánh giá" not in result.output


def test_calendar_exports_all_day_events_in_vietnamese(tmp_path: Path) -> None:
    from icalendar import Calendar

    out = tmp_path / "lich" / "dti-2023.ics"
    result = CliRunner().invoke(cli, ["calendar", str(EXAMPLES / "bacgiang-2023.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 giai đoạn, 1 hạn nộp" in result.output
    cal = Calendar.from_ical(out.read_bytes())
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Ho_Chi_Minh"
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    phase = events["Tự đánh giá, chấm điểm"]
    # All-day: dates, not times; the end is the day after the last day (RFC 5545).
    assert phase.decoded("DTSTART") == date(2023, 10, 10)
    assert phase.decoded("DTEND") == date(2023, 10, 25)
    assert "Từ ngày 10/10/2023 đến hết ngày 24/10/2023 (15 ngày)." in str(phase["DESCRIPTION"])
    (deadline,) = [e for name, e in events.items() if name.startswith("Hạn nộp")]
    assert deadline.decoded("DTSTART") == date(2023, 10, 24)
    assert "Chậm nhất ngày 24/10/2023" in str(deadline["DESCRIPTION"])
    alarms = [a.decoded("TRIGGER") for a in deadline.walk("VALARM")]
    assert alarms == [timedelta(days=-3), timedelta(days=-1)]
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids)  # stable, distinct: importing again updates instead of duplicating
    # Never overwritten without --force.
    again = CliRunner().invoke(cli, ["calendar", str(EXAMPLES / "bacgiang-2023.yaml"), "--out", str(out)])
    assert again.exit_code == 1 and "--force" in again.output


def test_progress_bars_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from letters.core import progress

    with progress.progress_bars() as factory:
        assert factory is None  # pytest's stderr is no terminal

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    with progress.progress_bars() as factory:
        assert factory is not None
        bar = factory("Ký số")
        for done in range(1, 4):
            bar(done, 3)
    assert "Ký số" in screen.getvalue() and "3/3" in screen.getvalue()
