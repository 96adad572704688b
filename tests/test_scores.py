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


def test_han_nop_is_read_in_either_header_and_date_form(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Đơn vị;Mã chỉ số;Điểm;Giải trình;Ngày nộp;Hạn nộp\n"
        "Sở Tư pháp;1.1;30;;08/11/2024;10/11/2024\n"
        "Sở Tư pháp;1.2;30;;08/11/2024;2024-11-10\n"  # ISO on another row: the same day, no conflict
        "Sở Tư pháp;2.1;25;;08/11/2024;\n"  # blank on a row: the unit's other rows say it
        "Sở Tư pháp;2.2;15;;08/11/2024;10/11/2024\n",
    )
    book = read_scores(path, UNITS, TIERS)
    assert book.diagnostics == []
    receipt = book.receipts["so-tu-phap"]
    assert receipt.submitted_on == date(2024, 11, 8) and receipt.due_on == date(2024, 11, 10)

    plain = _csv(tmp_path, "don_vi;ma_chi_so;diem;han_nop\nSở Y tế;1.1;30;05/11/2024\n")
    # The tier's own deadline written as the unit's: allowed, and it changes nothing.
    assert read_scores(plain, UNITS, TIERS).receipts["so-y-te"].due_on == date(2024, 11, 5)


def test_han_nop_may_only_extend_and_must_agree(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "don_vi;ma_chi_so;diem;ngay_nop;han_nop\n"
        "Sở Tư pháp;1.1;30;04/11/2024;01/11/2024\n"  # 2: before the tier's 05/11/2024
        "Sở Y tế;1.1;30;04/11/2024;10/11/2024\n"
        "Sở Y tế;1.2;30;04/11/2024;12/11/2024\n"  # 4: another day than row 3
        "Sở Y tế;2.1;25;04/11/2024;31/11/2024\n",  # 5: no such day
    )
    book = read_scores(path, UNITS, TIERS)
    by_line = {d.line: d for d in book.errors if d.field == "han_nop"}
    assert set(by_line) == {2, 4, 5}
    early = by_line[2]
    assert early.file == str(path) and early.extra["unit"] == "Sở Tư pháp"
    assert early.message == (
        "Đơn vị «Sở Tư pháp»: hạn nộp 01/11/2024 sớm hơn hạn nộp của nhóm «Các sở, ban, ngành» (chậm nhất ngày "
        "05/11/2024); cột hạn nộp chỉ ghi ngày đơn vị được gia hạn, không được rút ngắn hạn nộp."
    )
    assert "diem.csv:2, trường «han_nop»" in early.format()
    assert "hạn nộp 12/11/2024 khác hạn nộp đã ghi trước đó (10/11/2024)" in by_line[4].message
    assert "hạn nộp không hợp lệ" in by_line[5].message and "31/11/2024 không tồn tại" in by_line[5].message
    # A refused date never stands: the earlier one is dropped, the first of two conflicting ones is kept.
    assert book.receipts["so-tu-phap"].due_on is None
    assert book.receipts["so-y-te"].due_on == date(2024, 11, 10)


def test_han_nop_without_a_tier_deadline_is_not_used(tmp_path: Path) -> None:
    open_tier = [TierRef("so", "Các sở, ban, ngành", SET, "Biểu số 01")]
    path = _csv(tmp_path, "don_vi;ma_chi_so;diem;ngay_nop;han_nop\nSở Y tế;1.1;30;04/11/2024;10/11/2024\n")
    book = read_scores(path, UNITS, open_tier)
    warning = next(d for d in book.warnings if d.field == "han_nop")
    assert "không có hạn nộp chung" in warning.message and warning.line == 2
    assert book.receipts["so-y-te"].due_on is None


def test_han_nop_in_tiep_nhan_beside_the_forms(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from letters.indicators import forms_xlsx as fx

    folder = tmp_path / "nop"
    folder.mkdir()
    for unit in UNITS:
        form = fx.write_form_xlsx(
            SET,
            folder / f"{unit.id}.xlsx",
            tier_id="so",
            tier_name=TIERS[0].name,
            form_label="Biểu số 01",
            year=2024,
        )
        wb = load_workbook(form)
        ws = wb[fx.SHEET_NAME]
        ws[fx.UNIT_NAME_CELL] = unit.name
        for r in range(fx.FIRST_DATA_ROW, ws.max_row + 1):
            code = ws[f"{fx.COL_CODE}{r}"].value
            if ws[f"{fx.COL_KIND}{r}"].value == "component":
                ws[f"{fx.COL_SCORE}{r}"] = int(SET.component(str(code)).max_points)
        wb.save(form)
    (folder / "tiep_nhan.csv").write_text(
        "Đơn vị;Ngày nộp;Hạn nộp\nSở Tư pháp;08/11/2024;10/11/2024\nSở Y tế;07/11/2024;01/11/2024\n",
        encoding="utf-8",
    )
    book = read_scores(folder, UNITS, TIERS)
    assert book.receipts["so-tu-phap"].due_on == date(2024, 11, 10)
    [error] = book.errors
    assert error.file == str(folder / "tiep_nhan.csv") and error.line == 3 and error.field == "han_nop"
    assert "sớm hơn hạn nộp của nhóm" in error.message
