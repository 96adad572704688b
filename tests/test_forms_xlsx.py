"""XLSX self-assessment forms: structure, protection, validation, and the round trip through a filled form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from letters.cli.main import cli
from letters.core.errors import Severity
from letters.indicators import forms_xlsx as fx
from letters.indicators.model import TierRef, make_unit
from letters.indicators.sets import IndicatorSet, load_indicator_set
from letters.results.ranking import compute_results
from letters.results.scores import read_scores

CAMPAIGN = """\
campaign:
  year: 2024
  name: Đánh giá chuyển đổi số năm 2024
issuer:
  parent: UBND tỉnh Bắc Giang
  name: Sở Khoa học và Công nghệ
  abbreviation: SKHCN
  drafting_unit: CĐS
  place: Bắc Giang
signer: {title: Giám đốc, name: Nguyễn Văn An}
tiers:
  - id: so
    name: Các sở, ban, ngành
    form: Biểu số 01
    indicators: cap-so-mau
    units: [Sở Tư pháp, Sở Y tế]
  - id: xa
    name: UBND các xã, phường, thị trấn
    form: Biểu số 03
    indicators: cap-xa-mau
    units: [Xã Tân Hưng]
"""


def _form(tmp_path: Path, ind: IndicatorSet, name: str = "bieu.xlsx") -> Path:
    return fx.write_form_xlsx(
        ind, tmp_path / name, tier_id="so", tier_name="Các sở, ban, ngành", form_label="Biểu số 01", year=2024
    )


def _rows(ws: Worksheet) -> dict[str, int]:
    """indicator code -> row number, read from the hidden code column."""
    return {str(ws[f"H{r}"].value): r for r in range(fx.FIRST_DATA_ROW, ws.max_row + 1) if ws[f"H{r}"].value}


def test_form_structure_protection_and_print_setup(tmp_path: Path) -> None:
    ind = load_indicator_set("cap-so-mau")
    ws = load_workbook(_form(tmp_path, ind))[fx.SHEET_NAME]
    assert ws["A1"].value == "Biểu số 01"
    assert "NĂM 2024" in ws["A2"].value and "Các sở, ban, ngành" in ws["A3"].value
    assert [ws.cell(6, c).value for c in range(1, 8)] == [
        "STT",
        "Chỉ số / Chỉ số thành phần",
        "Điểm tối đa",
        "Cách xác định và tính điểm",
        "Điểm tự đánh giá",
        "Tài liệu kiểm chứng",
        "Giải trình (bắt buộc khi điểm tự đánh giá thấp hơn điểm tối đa)",
    ]
    rows = _rows(ws)
    assert ws.column_dimensions["H"].hidden and ws.column_dimensions["I"].hidden
    # Main index 1 sums its six components; the total sums the six main indices.
    r1, r11, r16 = rows["1"], rows["1.1"], rows["1.6"]
    assert ws[f"E{r1}"].value == f"=SUM(E{r11}:E{r16})"
    assert ws[f"C{r1}"].value == f"=SUM(C{r11}:C{r16})"
    total = rows["TOTAL"]
    assert ws[f"E{total}"].value == "=" + "+".join(f"E{rows[i.code]}" for i in ind.indices)
    # Only the input cells are unlocked, under sheet protection.
    assert ws.protection.sheet
    assert ws[fx.UNIT_NAME_CELL].protection.locked is False
    for col in "EFG":
        assert ws[f"{col}{r11}"].protection.locked is False
    for cell in (f"B{r11}", f"C{r11}", f"D{r11}", f"E{r1}", f"E{total}", "A6"):
        assert ws[cell].protection.locked is not False, cell
    assert ws[f"B{r11}"].font.name == "Times New Roman"
    # Data validation: a decimal between 0 and the row's maximum, with a Vietnamese message.
    comp = ind.component("6.1")
    dv = next(d for d in ws.data_validations.dataValidation if f"E{rows['6.1']}" in str(d.sqref))
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (
        "decimal",
        "between",
        "0",
        str(comp.max_points),
    )
    assert dv.showErrorMessage and "từ 0 đến 50" in dv.error
    assert f"E{r1}" not in " ".join(str(d.sqref) for d in ws.data_validations.dataValidation)
    # Print: A4 landscape, fit to width, repeated header rows.
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$6:$7"
    meta = load_workbook(tmp_path / "bieu.xlsx")[fx.META_SHEET]
    assert meta.sheet_state == "veryHidden"
    values = {meta[f"A{i}"].value: meta[f"B{i}"].value for i in range(1, meta.max_row + 1)}
    assert values["set_id"] == "cap-so-mau" and values["set_version"] == ind.version


def _fill(path: Path, unit_name: str, scores: dict[str, object], explain: dict[str, str]) -> None:
    wb = load_workbook(path)
    ws = wb[fx.SHEET_NAME]
    ws[fx.UNIT_NAME_CELL] = unit_name
    rows = _rows(ws)
    for code, value in scores.items():
        ws[f"E{rows[code]}"] = value
        ws[f"F{rows[code]}"] = f"Báo cáo số {rows[code]}/BC-STP"
        if code in explain:
            ws[f"G{rows[code]}"] = explain[code]
    wb.save(path)


def test_filled_forms_read_back_to_the_same_numbers(tmp_path: Path) -> None:
    ind = load_indicator_set("cap-so-mau")
    tier = TierRef("so", "Các sở, ban, ngành", ind, "Biểu số 01", deadline=date(2024, 11, 5))
    units = [make_unit("Sở Tư pháp", "so"), make_unit("Sở Y tế", "so")]
    folder = tmp_path / "nop"
    folder.mkdir()
    typed: dict[str, dict[str, Decimal]] = {}
    for k, unit in enumerate(units):
        path = _form(folder, ind, f"{unit.id}.xlsx")
        scores: dict[str, object] = {}
        explain: dict[str, str] = {}
        for i, comp in enumerate(ind.components()):
            value = comp.max_points - Decimal(i % 3) - Decimal(k) / 4
            scores[comp.code] = float(value) if value != value.to_integral_value() else int(value)
            if value < comp.max_points:
                explain[comp.code] = "Chưa đạt do thiếu kinh phí"
        typed[unit.id] = {c: Decimal(str(v)) for c, v in scores.items()}
        _fill(path, unit.name, scores, explain)
    book = read_scores(folder, units, [tier])
    assert book.diagnostics == []
    for unit in units:
        assert book.units[unit.id].scores == typed[unit.id]
        assert book.units[unit.id].evidence["1.1"].startswith("Báo cáo số")
    results = compute_results(units, [tier], folder)
    for unit in units:
        assert results.unit(unit.id).points == sum(typed[unit.id].values())
    assert results.unit("so-tu-phap").rank == 1 and results.unit("so-y-te").rank == 2


def test_form_problems_are_reported_with_sheet_row_and_unit(tmp_path: Path) -> None:
    ind = load_indicator_set("cap-so-mau")
    tier = TierRef("so", "Các sở, ban, ngành", ind, "Biểu số 01")
    units = [make_unit("Sở Tư pháp", "so")]
    path = _form(tmp_path, ind, "so-tu-phap.xlsx")
    scores: dict[str, object] = {c.code: int(c.max_points) for c in ind.components()}
    scores["1.1"] = 99  # above its maximum of 15 (a user can bypass validation by pasting)
    scores["1.2"] = "mười"
    scores["2.1"] = 10  # below 20 without an explanation
    del scores["3.1"]
    _fill(path, "  sở tư PHÁP ", scores, {})
    book = read_scores(tmp_path, units, [tier])
    rows = _rows(load_workbook(path)[fx.SHEET_NAME])
    by_code = {d.field: d for d in book.diagnostics}
    above = by_code["1.1"]
    assert above.severity is Severity.ERROR and above.line == rows["1.1"] and above.file == str(path)
    assert "vượt điểm tối đa 15" in above.message and "trang «Biểu tự đánh giá»" in above.message
    assert above.extra["unit"] == "Sở Tư pháp"
    assert "không phải là số" in by_code["1.2"].message
    assert by_code["2.1"].severity is Severity.WARNING and "giải trình" in by_code["2.1"].message
    assert "chưa nhập điểm cho 1 chỉ số: 3.1" in by_code["3.1"].message


def test_form_from_an_older_version_is_rejected(tmp_path: Path) -> None:
    ind = load_indicator_set("cap-so-mau")
    path = _form(tmp_path, ind, "a.xlsx")
    _fill(path, "Sở Tư pháp", {c.code: int(c.max_points) for c in ind.components()}, {})
    newer = IndicatorSet(ind.id, "2025.1", ind.name, ind.max_points, ind.indices)
    book = read_scores(tmp_path, [make_unit("Sở Tư pháp", "so")], [TierRef("so", "Cấp sở", newer)])
    assert len(book.errors) == 1
    assert "phiên bản «2024.1»" in book.errors[0].message and "«2025.1»" in book.errors[0].message
    assert "so-tu-phap" not in book.units or not book.units["so-tu-phap"].scores


def test_wrong_tier_form_and_unknown_unit(tmp_path: Path) -> None:
    ind = load_indicator_set("cap-so-mau")
    xa = TierRef("xa", "Cấp xã", load_indicator_set("cap-xa-mau"))
    so = TierRef("so", "Cấp sở", ind)
    path = _form(tmp_path, ind, "x.xlsx")
    _fill(path, "Xã Tân Hưng", {}, {})
    other = _form(tmp_path, ind, "y.xlsx")
    _fill(other, "Sở Không Có", {}, {})
    book = read_scores(tmp_path, [make_unit("Xã Tân Hưng", "xa")], [so, xa])
    messages = " | ".join(d.message for d in book.errors)
    assert "dùng nhầm biểu mẫu" in messages
    assert "không nhận ra đơn vị «Sở Không Có»" in messages


def test_cli_forms_writes_one_per_tier_and_refuses_overwrite(tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(CAMPAIGN, encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["forms", str(campaign), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "bieu-so-01-so.xlsx",
        "bieu-so-03-xa.xlsx",
    ]
    ws = load_workbook(tmp_path / "out" / "bieu-so-03-xa.xlsx")[fx.SHEET_NAME]
    assert ws["A1"].value == "Biểu số 03" and "UBND các xã" in ws["A3"].value
    again = runner.invoke(cli, ["forms", str(campaign), "--out", str(tmp_path / "out")])
    assert again.exit_code == 1 and "Tệp đã tồn tại" in again.output and "Traceback" not in again.output
    forced = runner.invoke(cli, ["forms", str(campaign), "--out", str(tmp_path / "out"), "--force"])
    assert forced.exit_code == 0


@pytest.mark.soffice
def test_libreoffice_recalculates_a_filled_form(tmp_path: Path) -> None:
    from letters.pdf.convert import recalculate_xlsx

    ind = load_indicator_set("cap-so-mau")
    path = _form(tmp_path, ind, "so-tu-phap.xlsx")
    scores: dict[str, object] = {}
    for i, comp in enumerate(ind.components()):
        scores[comp.code] = float(comp.max_points) - (i % 4) * 0.25
    scores["1.1"] = "=7.5*2"  # a unit may type a formula; it counts by its computed value
    _fill(path, "Sở Tư pháp", scores, {c: "Chưa đạt" for c in scores})
    scores["1.1"] = 15
    # openpyxl writes formulas without cached values: before recalculation there is nothing to read.
    before = load_workbook(path, data_only=True)[fx.SHEET_NAME]
    rows = _rows(before)
    assert before[f"E{rows['TOTAL']}"].value is None
    out = recalculate_xlsx(path, tmp_path / "recalc" / "so-tu-phap.xlsx")
    ws = load_workbook(out, data_only=True)[fx.SHEET_NAME]
    for index in ind.indices:
        expected = sum(Decimal(str(scores[c.code])) for c in index.components)
        assert Decimal(str(ws[f"E{rows[index.code]}"].value)) == expected, index.code
        assert Decimal(str(ws[f"C{rows[index.code]}"].value)) == index.max_points
    total = sum(Decimal(str(v)) for v in scores.values())
    assert Decimal(str(ws[f"E{rows['TOTAL']}"].value)) == total
    assert ws[f"C{rows['TOTAL']}"].value == 1000
    # A form saved again by LibreOffice is still read back by its hidden metadata.
    book = read_scores(out.parent, [make_unit("Sở Tư pháp", "so")], [TierRef("so", "Cấp sở", ind)])
    assert book.errors == []
    assert sum(book.units["so-tu-phap"].scores.values()) == total
