"""A tier's units from a spreadsheet: XLSX or CSV with the columns mã, tên, cấp trên (headers in Vietnamese, with or
without diacritics, or id, name, parent). Every bad row is reported by its row number; one bad row imports none."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

_HEADERS = {
    "id": ("ma", "ma don vi", "id", "code"),
    "name": ("ten", "ten don vi", "don vi", "name"),
    "parent": ("cap tren", "don vi cap tren", "parent"),
}


@dataclass(frozen=True)
class ImportedUnit:
    name: str
    id: str = ""
    parent: str = ""


@dataclass
class UnitsFile:
    units: list[ImportedUnit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _plain(text: object) -> str:
    raw = "" if text is None else str(text)
    decomposed = unicodedata.normalize("NFKD", raw.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


def _rows_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = []
        for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((n, [_cell(v) for v in row]))
            if n > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _rows_csv(data: bytes) -> list[tuple[int, list[str]]]:
    text = data.decode("utf-8-sig")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    if "\t" in sample and sample.count("\t") > sample.count(delimiter):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(reader.line_num, [_cell(v) for v in row]) for row in reader]


def read_units(filename: str, data: bytes) -> UnitsFile:
    result = UnitsFile()
    if len(data) > MAX_BYTES:
        result.problems.append(f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB.")
        return result
    lower = filename.lower()
    try:
        if lower.endswith(".xlsx"):
            rows = _rows_xlsx(data)
        elif lower.endswith((".csv", ".txt")):
            rows = _rows_csv(data)
        else:
            result.problems.append("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).")
            return result
    except UnicodeDecodeError:
        result.problems.append("Tệp CSV không phải văn bản UTF-8; hãy lưu lại tệp với mã hoá UTF-8.")
        return result
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on a damaged file
        result.problems.append("Không đọc được tệp Excel (tệp hỏng, có mật khẩu hoặc không phải .xlsx).")
        return result
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        result.problems.append("Tệp không có dòng nào.")
        return result
    header_no, header = rows[0]
    columns: dict[str, int] = {}
    for i, title in enumerate(header):
        for key, names in _HEADERS.items():
            if _plain(title) in names and key not in columns:
                columns[key] = i
    if "name" not in columns:
        result.problems.append(
            f"Dòng {header_no}: không thấy cột «tên» ở dòng tiêu đề; tiêu đề cần các cột «mã», «tên», «cấp trên»."
        )
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.problems.append(f"Tệp có hơn {MAX_ROWS} đơn vị.")
        return result
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}

    def get(cells: list[str], key: str) -> str:
        i = columns.get(key)
        return cells[i] if i is not None and i < len(cells) else ""

    for n, cells in rows[1:]:
        name, uid, parent = get(cells, "name"), get(cells, "id"), get(cells, "parent")
        if not name:
            result.problems.append(f"Dòng {n}: thiếu tên đơn vị.")
            continue
        if len(name) < 2:
            result.problems.append(f"Dòng {n}: tên đơn vị «{name}» quá ngắn.")
        if len(name) > 255 or len(uid) > 80 or len(parent) > 255:
            result.problems.append(f"Dòng {n}: giá trị quá dài.")
        if uid and uid in seen_ids:
            result.problems.append(f"Dòng {n}: mã «{uid}» trùng với dòng {seen_ids[uid]}.")
        if name in seen_names:
            result.problems.append(f"Dòng {n}: tên «{name}» trùng với dòng {seen_names[name]}.")
        if parent and parent in (name, uid):
            result.problems.append(f"Dòng {n}: đơn vị không thể là cấp trên của chính nó.")
        seen_ids.setdefault(uid, n) if uid else None
        seen_names.setdefault(name, n)
        result.units.append(ImportedUnit(name, uid, parent))
    if not result.units and not result.problems:
        result.problems.append("Tệp không có đơn vị nào dưới dòng tiêu đề.")
    return result
