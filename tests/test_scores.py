"""Score ingestion from CSV: formats, Vietnamese decimals, and every kind of problem, located."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from letters.core.errors import Severity, VanbanError
from letters.indicators.model import TierRef, make_unit
from letters.indicators.sets import build_indicator_set
from letters.results.scores import parse_points, read_scores

SET = build_indicator_set(
    {
        "id": "thu",
        "version": "1",
        "name": "Bộ chỉ số thử",
        "max_points": 100,
        "indices": [
            {
                "code": "1",
                "name": "Nhận thức số",
                "max_points": 60,
                "components": [
                    {"code": "1.1", "name": "Họp Ban Chỉ đạo", "max_points": 30},
                    {"code": "1.2", "name": "Kế hoạch", "max_points": 30},
                ],
            },
            {
                "code": "2",
                "name": "Hạ tầng số",
                "max_points": 40,
                "components": [
                    {"code": "2.1", "name": "Máy tính", "max_points": 25},
                    {"code": "2.2", "name": "Mạng LAN", "max_points": 15},
                ],
            },
        ],
    }
)
TIERS = [TierRef("so", "Các sở, ban, ngành", SET, "Biểu số 01", deadline=date(2024, 11, 5))]
UNITS = [make_unit("Sở Tư pháp", "so"), make_unit("Sở Y tế", "so")]


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "diem.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_parse_points_accepts_vietnamese_decimal_comma() -> None:
    assert parse_points("8,5") == Decimal("8.5")
    assert parse_points("8.5") == Decimal("8.5")
    assert parse_points(" 1.234,5 ") == Decimal("1234.5")
    assert parse_points("30") == Decimal(30)
    assert parse_points(12.25) == Decimal("12.25")
    for bad in ("", "mười", "8,5,1", "n/a", None, True):
        assert parse_points(bad) is None, bad


def test_semicolon_csv_with_bom_and_vietnamese_headers(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "\ufeffĐơn vị;Mã chỉ số;Điểm;Giải trình;Ngày nộp\n"
        "Sở Tư pháp;1.1;30;;04/11/2024\n"
        "Sở Tư pháp;1.2;27,5;Chưa ban hành đúng hạn;04/11/2024\n"
        "so-tu-phap;2.1;25;;04/11/2024\n"
        "UBND Sở Tư pháp;2.2;15;;04/11/2024\n",
    )
    book = read_scores(path, UNITS, TIERS)
    assert book.diagnostics == []
    got = book.units["so-tu-phap"]
    assert got.scores == {"1.1": Decimal(30), "1.2": Decimal("27.5"), "2.1": Decimal(25), "2.2": Decimal(15)}
    assert got.explanations["1.2"] == "Chưa ban hành đúng hạn"
    assert book.receipts["so-tu-phap"].submitted_on == date(2024, 11, 4)


def test_comma_csv_with_quoted_decimal_comma(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "don_vi,ma_chi_so,diem,giai_trinh\n"
        'Sở Y tế,1.1,"12,75",Thiếu biên bản\nSở Y tế,1.2,30,\nSở Y tế,2.1,25,\nSở Y tế,2.2,15,\n',
    )
    book = read_scores(path, UNITS, TIERS)
    assert book.diagnostics == []
    assert book.units["so-y-te"].scores["1.1"] == Decimal("12.75")


def test_every_problem_is_located(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "don_vi;ma_chi_so;diem;giai_trinh\n"
        "Sở Tư pháp;1.1;31;\n"  # 2: above max
        "Sở Tư pháp;1.2;abc;\n"  # 3: not a number
        "Sở Tư pháp;2.1;20;\n"  # 4: below max, no explanation
        "Sở Tư pháp;2.1;20;Lý do\n"  # 5: duplicate row
        "Sở Nội vụ;1.1;30;\n"  # 6: unknown unit
        "Sở Tư pháp;9.9;1;\n"  # 7: unknown indicator
        "Sở Y tế;1.1;-2;Sai\n",
    )  # 8: negative; Sở Y tế also lacks 1.2, 2.1, 2.2
    book = read_scores(path, UNITS, TIERS)
    by_line = {d.line: d for d in book.diagnostics if d.line}
    assert "vượt điểm tối đa 30" in by_line[2].message and by_line[2].field == "1.1"
    assert by_line[2].extra["unit"] == "Sở Tư pháp" and by_line[2].file == str(path)
    assert "«abc» không phải là số" in by_line[3].message
    assert by_line[4].severity is Severity.WARNING and "chưa có giải trình" in by_line[4].message
    assert "dòng trùng" in by_line[5].message and "dòng 4" in by_line[5].message
    assert "không có đơn vị «Sở Nội vụ»" in by_line[6].message
    assert "mã chỉ số «9.9» không có" in by_line[7].message
    assert "âm" in by_line[8].message
    missing = [d for d in book.errors if "thiếu điểm của" in d.message]
    assert len(missing) == 2
    tp = next(d for d in missing if d.extra["unit"] == "Sở Tư pháp")
    assert "1 chỉ số: 2.2" in tp.message  # 1.1 and 1.2 were present (but invalid), reported above
    yt = next(d for d in missing if d.extra["unit"] == "Sở Y tế")
    assert "3 chỉ số: 1.2, 2.1, 2.2" in yt.message
    # Invalid values are left out; the valid one is kept.
    assert book.units["so-tu-phap"].scores == {"2.1": Decimal(20)}
    assert all(d.format().startswith(("LỖI", "CẢNH BÁO")) for d in book.diagnostics)


def test_missing_columns_and_non_utf8(tmp_path: Path) -> None:
    book = read_scores(_csv(tmp_path, "don_vi;diem\nSở Y tế;1\n"), UNITS, TIERS)
    assert len(book.errors) == 1 and "thiếu cột ma_chi_so" in book.errors[0].message
    with pytest.raises(VanbanError, match="không phải UTF-8"):
        read_scores(_csv(tmp_path, "don_vi;ma_chi_so;diem\nTài chính;1.1;1\n", "cp1252"), UNITS, TIERS)


def test_receipt_conflicts_and_bad_dates(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "don_vi;ma_chi_so;diem;giai_trinh;ngay_nop;da_tham_dinh\n"
        "Sở Y tế;1.1;30;;04/11/2024;có\n"
        "Sở Y tế;1.2;30;;05/11/2024;có\n"
        "Sở Y tế;2.1;25;;31/02/2024;có\n"
        "Sở Y tế;2.2;15;;04/11/2024;chắc vậy\n",
    )
    book = read_scores(path, UNITS, TIERS)
    by_line = {d.line: d.message for d in book.errors}
    assert "khác ngày nộp đã ghi trước đó (04/11/2024)" in by_line[3]
    assert "31/02/2024 không tồn tại" in by_line[4]
    assert "«có» hoặc «không»" in by_line[5]


def test_csv_rows_from_another_set_version_are_rejected(tmp_path: Path) -> None:
    path = _csv(tmp_path, "don_vi;ma_chi_so;diem;phien_ban\nSở Y tế;1.1;30;0\nSở Y tế;1.2;30;1\n")
    book = read_scores(path, UNITS, TIERS)
    old = next(d for d in book.errors if d.line == 2)
    assert "phiên bản «0»" in old.message and "«1»" in old.message
    assert book.units["so-y-te"].scores == {"1.2": Decimal(30)}
    missing = next(d for d in book.errors if "thiếu điểm" in d.message)
    assert "2 chỉ số: 2.1, 2.2" in missing.message
