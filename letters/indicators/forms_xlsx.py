"""Self-assessment forms (Biểu số 01/02/03) as Excel workbooks that units fill in and send back.

The workbook is built so that the reader (letters.scores) can map it back without guessing: a very hidden
sheet holds the indicator set's id and version, and hidden columns hold each row's indicator code and kind.
Only the input cells are unlocked; the structure (rows, maxima, formulas) is protected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from letters.core.files import atomic_path
from letters.core.properties import DocumentProperties, stamp_file
from letters.core.vn import number, slugify
from letters.indicators.model import TierRef
from letters.indicators.sets import IndicatorSet, form_rows

FORM_FORMAT = "vanban-bieu-mau-1"
SHEET_NAME = "Biểu tự đánh giá"
META_SHEET = "_vanban"
FIRST_DATA_ROW = 8
UNIT_NAME_CELL = "C4"

# Column letters of the form, in the order the letters list them.
COL_STT, COL_NAME, COL_MAX, COL_METHOD, COL_SCORE, COL_EVIDENCE, COL_EXPLAIN = "ABCDEFG"
COL_CODE, COL_KIND = "H", "I"  # hidden: indicator code, row kind (index/component/total)

HEADERS = (
    ("STT", 7),
    ("Chỉ số / Chỉ số thành phần", 46),
    ("Điểm tối đa", 10),
    ("Cách xác định và tính điểm", 42),
    ("Điểm tự đánh giá", 12),
    ("Tài liệu kiểm chứng", 34),
    ("Giải trình (bắt buộc khi điểm tự đánh giá thấp hơn điểm tối đa)", 34),
)

FONT = "Times New Roman"
_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_INDEX_FILL = PatternFill("solid", fgColor="DDEBF7")
_UNLOCKED = Protection(locked=False)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class FilledRow:
    """What a unit typed into one component row (used to produce filled example forms)."""

    score: Decimal | None
    evidence: str = ""
    explanation: str = ""


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def build_form_workbook(
    ind: IndicatorSet,
    *,
    tier_id: str,
    tier_name: str,
    form_label: str,
    year: int | str,
    unit_name: str = "",
    filled: Mapping[str, FilledRow] | None = None,
    index_name: str = "chỉ số chuyển đổi số",
) -> Workbook:
    """The form as an openpyxl Workbook (not saved). `filled` pre-fills component rows by indicator code."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_NAME
    last_col = COL_EXPLAIN

    def put(
        cell: str,
        value: str,
        *,
        bold: bool = False,
        size: int = 12,
        italic: bool = False,
        align: Alignment | None = None,
    ) -> None:
        ws[cell] = value
        ws[cell].font = Font(name=FONT, size=size, bold=bold, italic=italic)
        if align is not None:
            ws[cell].alignment = align

    put("A1", form_label, bold=True, align=Alignment(horizontal="left"))
    ws.merge_cells(f"A2:{last_col}2")
    put(
        "A2",
        f"BIỂU TỰ ĐÁNH GIÁ, CHẤM ĐIỂM {index_name} NĂM {year}".upper(),
        bold=True,
        size=14,
        align=_CENTER,
    )
    ws.merge_cells(f"A3:{last_col}3")
    edition = f"; {ind.edition}" if ind.edition else ""
    put("A3", f"(Áp dụng cho: {tier_name}{edition})", italic=True, align=_CENTER)
    ws.merge_cells("A4:B4")
    put("A4", "Tên cơ quan, đơn vị:", bold=True, align=Alignment(horizontal="right", vertical="center"))
    ws.merge_cells(f"{UNIT_NAME_CELL}:{last_col}4")
    put(UNIT_NAME_CELL, unit_name, bold=True, align=Alignment(vertical="center"))
    ws[UNIT_NAME_CELL].protection = _UNLOCKED
    ws[UNIT_NAME_CELL].fill = _INPUT_FILL
    ws.merge_cells(f"A5:{last_col}5")
    put(
        "A5",
        "Đơn vị chỉ nhập vào các ô màu vàng: tên đơn vị, điểm tự đánh giá, tài liệu kiểm chứng và giải "
        "trình. Điểm của chỉ số chính và tổng điểm được tính tự động.",
        italic=True,
        size=11,
        align=Alignment(wrap_text=True),
    )
    ws.row_dimensions[5].height = 30

    for i, (title, width) in enumerate(HEADERS, 1):
        col = get_column_letter(i)
        put(f"{col}6", title, bold=True, align=_CENTER)
        ws[f"{col}6"].border = _BORDER
        put(f"{col}7", f"({i})", italic=True, size=11, align=_CENTER)
        ws[f"{col}7"].border = _BORDER
        ws.column_dimensions[col].width = width
    ws.row_dimensions[6].height = 48
    ws[f"{COL_CODE}6"], ws[f"{COL_KIND}6"] = "ma_chi_so", "loai_dong"
    ws.column_dimensions[COL_CODE].hidden = True
    ws.column_dimensions[COL_KIND].hidden = True

    rows = form_rows(ind)
    row_of: dict[str, int] = {r.code: FIRST_DATA_ROW + i for i, r in enumerate(rows)}
    components_of: dict[str, list[int]] = {}
    for r in rows:
        if r.kind == "component":
            components_of.setdefault(r.index_code, []).append(row_of[r.code])
    total_row = FIRST_DATA_ROW + len(rows)

    validations: dict[Decimal, DataValidation] = {}
    filled = filled or {}
    for r in rows:
        n = row_of[r.code]
        is_index = r.kind == "index"
        for col in "ABCDEFG":
            cell = ws[f"{col}{n}"]
            cell.border = _BORDER
            cell.font = Font(name=FONT, size=12, bold=is_index)
            cell.alignment = _WRAP_TOP
            if is_index:
                cell.fill = _INDEX_FILL
        ws[f"{COL_STT}{n}"] = r.stt
        ws[f"{COL_STT}{n}"].alignment = Alignment(horizontal="center", vertical="top")
        ws[f"{COL_NAME}{n}"] = r.name
        ws[f"{COL_CODE}{n}"] = r.code
        ws[f"{COL_KIND}{n}"] = r.kind
        for col in (COL_MAX, COL_SCORE):
            ws[f"{col}{n}"].number_format = "0.00"
            ws[f"{col}{n}"].alignment = Alignment(horizontal="center", vertical="top")
        if is_index:
            first, last = components_of[r.code][0], components_of[r.code][-1]
            ws[f"{COL_MAX}{n}"] = f"=SUM({COL_MAX}{first}:{COL_MAX}{last})"
            ws[f"{COL_SCORE}{n}"] = f"=SUM({COL_SCORE}{first}:{COL_SCORE}{last})"
            if not r.scored:
                ws[f"{COL_METHOD}{n}"] = "Không tính điểm"
            continue
        ws[f"{COL_MAX}{n}"] = _num(r.max_points)
        ws[f"{COL_METHOD}{n}"] = r.method
        if not r.scored:
            ws[f"{COL_SCORE}{n}"] = 0
            ws[f"{COL_EXPLAIN}{n}"] = "Chỉ số không tính điểm"
            continue
        for col in (COL_SCORE, COL_EVIDENCE, COL_EXPLAIN):
            ws[f"{col}{n}"].protection = _UNLOCKED
            ws[f"{col}{n}"].fill = _INPUT_FILL
        dv = validations.get(r.max_points)
        if dv is None:
            dv = DataValidation(
                type="decimal",
                operator="between",
                formula1="0",
                formula2=str(r.max_points),
                allow_blank=True,
                showErrorMessage=True,
                showInputMessage=True,
                errorTitle="Điểm không hợp lệ",
                error=f"Điểm tự đánh giá phải là một số từ 0 đến {number(r.max_points)} "
                "(điểm tối đa của chỉ số này).",
                promptTitle="Điểm tự đánh giá",
                prompt=f"Nhập số điểm từ 0 đến {number(r.max_points)}.",
            )
            dv.errorStyle = "stop"
            validations[r.max_points] = dv
            ws.add_data_validation(dv)
        dv.add(f"{COL_SCORE}{n}")
        entry = filled.get(r.code)
        if entry is not None:
            if entry.score is not None:
                ws[f"{COL_SCORE}{n}"] = _num(entry.score)
            ws[f"{COL_EVIDENCE}{n}"] = entry.evidence or None
            ws[f"{COL_EXPLAIN}{n}"] = entry.explanation or None
        ws.row_dimensions[n].height = _row_height(ws, n)

    index_rows = [row_of[i.code] for i in ind.indices]
    for col in "ABCDEFG":
        cell = ws[f"{col}{total_row}"]
        cell.border = _BORDER
        cell.font = Font(name=FONT, size=12, bold=True)
    ws.merge_cells(f"{COL_STT}{total_row}:{COL_NAME}{total_row}")
    ws[f"{COL_STT}{total_row}"] = "TỔNG ĐIỂM"
    ws[f"{COL_STT}{total_row}"].alignment = _CENTER
    ws[f"{COL_MAX}{total_row}"] = "=" + "+".join(f"{COL_MAX}{n}" for n in index_rows)
    ws[f"{COL_SCORE}{total_row}"] = "=" + "+".join(f"{COL_SCORE}{n}" for n in index_rows)
    for col in (COL_MAX, COL_SCORE):
        ws[f"{col}{total_row}"].number_format = "0.00"
        ws[f"{col}{total_row}"].alignment = Alignment(horizontal="center")
    ws[f"{COL_CODE}{total_row}"] = "TOTAL"
    ws[f"{COL_KIND}{total_row}"] = "total"

    sign_row = total_row + 2
    ws.merge_cells(f"{COL_SCORE}{sign_row}:{COL_EXPLAIN}{sign_row}")
    put(f"{COL_SCORE}{sign_row}", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", bold=True, align=_CENTER)
    ws.merge_cells(f"{COL_SCORE}{sign_row + 1}:{COL_EXPLAIN}{sign_row + 1}")
    put(f"{COL_SCORE}{sign_row + 1}", "(Ký số, ghi rõ họ tên)", italic=True, align=_CENTER)

    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    _protect_and_print(ws, total_row)
    _write_meta(wb, ind, tier_id=tier_id, year=year, total_row=total_row)
    return wb


def _row_height(ws: Worksheet, row: int) -> float:
    """Points needed to show every wrapped cell of `row`: spreadsheet programs do not always grow rows
    themselves when opening a generated file, and LibreOffice's PDF export never does."""
    lines = 1
    for col, (_, width) in zip("ABCDEFG", HEADERS, strict=True):
        text = ws[f"{col}{row}"].value
        if isinstance(text, str) and not text.startswith("="):
            per_line = max(1, int(width * 1.25))
            lines = max(lines, sum(-(-max(1, len(part)) // per_line) for part in text.split("\n")))
    return round(15.75 * lines + 2, 2)


def _protect_and_print(ws: Worksheet, total_row: int) -> None:
    ws.protection.sheet = True
    # Row heights and column widths stay adjustable so long explanations remain readable.
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "6:7"
    ws.print_area = f"A1:{COL_EXPLAIN}{total_row + 3}"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    footer = ws.oddFooter
    assert footer is not None  # every worksheet is created with an empty one
    footer.center.text = "Trang &P/&N"


def _write_meta(wb: Workbook, ind: IndicatorSet, *, tier_id: str, year: int | str, total_row: int) -> None:
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    for i, (key, value) in enumerate(
        (
            ("format", FORM_FORMAT),
            ("set_id", ind.id),
            ("set_version", ind.version),
            ("tier", tier_id),
            ("year", str(year)),
            ("sheet", SHEET_NAME),
            ("first_row", str(FIRST_DATA_ROW)),
            ("total_row", str(total_row)),
            ("unit_cell", UNIT_NAME_CELL),
        ),
        1,
    ):
        meta[f"A{i}"], meta[f"B{i}"] = key, value
    meta.protection.sheet = True


def form_filename(form_label: str, tier_id: str, unit_id: str | None = None) -> str:
    base = slugify(form_label) or "bieu-mau"
    return f"{base}-{tier_id}" + (f"-{unit_id}" if unit_id else "") + ".xlsx"


def write_form_xlsx(
    ind: IndicatorSet,
    path: Path,
    *,
    tier_id: str,
    tier_name: str,
    form_label: str,
    year: int | str,
    unit_name: str = "",
    filled: Mapping[str, FilledRow] | None = None,
    force: bool = False,
    properties: DocumentProperties | None = None,
    index_name: str = "chỉ số chuyển đổi số",
) -> Path:
    """Write one form workbook atomically; refuses to overwrite unless `force`.

    `properties` name the form and its issuer (File → Properties); without them the form is still titled,
    and no generator's name is left in it.
    """
    wb = build_form_workbook(
        ind,
        tier_id=tier_id,
        tier_name=tier_name,
        form_label=form_label,
        year=year,
        unit_name=unit_name,
        filled=filled,
        index_name=index_name,
    )
    props = properties or DocumentProperties(
        title=f"{form_label}: Biểu tự đánh giá, chấm điểm {index_name} năm {year} ({tier_name})",
        author=unit_name,
        category="Biểu mẫu",
    )
    with atomic_path(Path(path), force=force) as tmp:
        wb.save(tmp)
        stamp_file(tmp, props)
    return Path(path)


def write_tier_forms(
    tiers: Sequence[TierRef], out_dir: Path, *, year: int | str, force: bool = False
) -> list[Path]:
    """One blank form per tier, named after its Biểu số ("bieu-so-01-so.xlsx")."""
    paths = []
    for tier in tiers:
        label = tier.form or "Biểu mẫu"
        paths.append(
            write_form_xlsx(
                tier.indicator_set,
                Path(out_dir) / form_filename(label, tier.id),
                tier_id=tier.id,
                tier_name=tier.name,
                form_label=label,
                year=year,
                force=force,
            )
        )
    return paths
