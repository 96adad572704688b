"""Reading self-assessment scores back: a folder of filled XLSX forms, or one CSV export.

CSV format (UTF-8, with or without BOM; comma or semicolon separated; one row per unit and indicator):

    don_vi        unit id ("so-tu-phap") or name ("Sở Tư pháp"); "UBND " prefixes are ignored
    ma_chi_so     component indicator code, as in the indicator set ("1.2")
    diem          points; Vietnamese decimal comma accepted ("8,5"), as is a dot ("8.5")
    giai_trinh    explanation (required by the letters whenever diem is below the maximum)
    tai_lieu_kiem_chung   optional: evidence references
    ngay_nop      optional: date the unit's submission reached the Sở (dd/mm/yyyy or yyyy-mm-dd)
    han_nop       optional: the unit's own last day on time when the Sở granted it an extension
                  (dd/mm/yyyy or yyyy-mm-dd); it replaces the tier's deadline for that unit when deciding
                  whether ngay_nop is late. It may only extend: a date before the tier's deadline is an error
    da_tham_dinh  optional: "có"/"không" - whether the district appraised this commune
    phien_ban     optional: version of the indicator set the scores were given against; a row from
                  another version than the tier's current set is rejected

Headers may also be written in Vietnamese ("Đơn vị", "Mã chỉ số", "Điểm", "Giải trình", "Ngày nộp", "Hạn nộp"...).
A folder of XLSX forms may contain `tiep_nhan.csv` with columns don_vi, ngay_nop, han_nop, da_tham_dinh for the
same receipt data. The receipt columns (ngay_nop, han_nop, da_tham_dinh) describe the unit, not the indicator:
every row of a unit that fills one must agree with the others.

Every problem is a Diagnostic naming the file, the sheet, the row (Diagnostic.line), the indicator code or, for
a receipt column, the column's name (Diagnostic.field: "1.2", "han_nop") and the unit (in the message and in
extra["unit"]).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from letters.core.errors import Diagnostic, Severity, VanbanError, os_error, os_error_text
from letters.core.vn import DateFormatError, deadline_text, number, parse_date, short, slugify
from letters.indicators import forms_xlsx as fx
from letters.indicators.model import TierRef, Unit, UnitIndex, normalise_name
from letters.indicators.sets import IndicatorSet

RECEIPTS_FILE = "tiep_nhan.csv"

_HEADER_ALIASES = {
    "don_vi": "don_vi",
    "ten_don_vi": "don_vi",
    "ma_don_vi": "don_vi",
    "co_quan_don_vi": "don_vi",
    "ma_chi_so": "ma_chi_so",
    "chi_so": "ma_chi_so",
    "ma": "ma_chi_so",
    "diem": "diem",
    "diem_tu_danh_gia": "diem",
    "diem_tham_dinh": "diem",
    "giai_trinh": "giai_trinh",
    "ly_do": "giai_trinh",
    "tai_lieu_kiem_chung": "tai_lieu_kiem_chung",
    "ngay_nop": "ngay_nop",
    "ngay_gui": "ngay_nop",
    "han_nop": "han_nop",
    "han_nop_gia_han": "han_nop",
    "gia_han_den": "han_nop",
    "gia_han_den_het_ngay": "han_nop",
    "da_tham_dinh": "da_tham_dinh",
    "tham_dinh": "da_tham_dinh",
    "phien_ban": "phien_ban",
    "phien_ban_bo_chi_so": "phien_ban",
}


@dataclass(frozen=True)
class Receipt:
    """What the Sở recorded when a unit's results arrived."""

    submitted_on: date | None = None
    appraised: bool | None = None  # None: not stated
    # The unit's own last day on time, after an extension the Sở granted; None: its tier's deadline.
    due_on: date | None = None


@dataclass
class UnitScores:
    """One unit's valid scores. Invalid values are reported and left out (they count as 0 points)."""

    unit: Unit
    scores: dict[str, Decimal] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    set_version: str | None = None


@dataclass
class ScoreBook:
    """Everything read from a scores input: per-unit scores, receipts, and every problem found."""

    units: dict[str, UnitScores] = field(default_factory=dict)
    receipts: dict[str, Receipt] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # unit id -> why what the unit sent was refused as a whole, in words a notice can print
    rejected: dict[str, list[str]] = field(default_factory=dict)

    def reject(self, unit_id: str, reason: str) -> None:
        reasons = self.rejected.setdefault(unit_id, [])
        if reason not in reasons:
            reasons.append(reason)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


# --------------------------------------------------------------------------- small parsers


def _place(where: str | tuple[Path, str | None, int]) -> str:
    if isinstance(where, str):
        return where
    file, sheet, row = where
    return f"{Path(file).name}" + (f", trang «{sheet}»" if sheet else "") + f", dòng {row}"


def parse_points(raw: object) -> Decimal | None:
    """A score typed by a Vietnamese user: 8,5 / 8.5 / 1.234,5 / 8; None if it is not a number."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float | Decimal):
        value = Decimal(str(raw))
        return value if value.is_finite() else None
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:
        # The separator that comes last is the decimal one (1.234,5 or 1,234.5).
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_yes_no(raw: object) -> bool | None:
    text = normalise_name(str(raw or ""))
    if text in ("có", "co", "x", "1", "yes", "true", "đã thẩm định", "da tham dinh"):
        return True
    if text in ("không", "khong", "0", "no", "false", "chưa", "chua", "chưa thẩm định"):
        return False
    return None


# --------------------------------------------------------------------------- the reader


class _Reader:
    def __init__(self, units: Iterable[Unit], tiers: Iterable[TierRef]) -> None:
        self.units = UnitIndex(units)
        self.tiers = {t.id: t for t in tiers}
        self.book = ScoreBook()
        # Where each (unit, code) row was read: a place, or (file, sheet, row) to name it only when needed.
        self.seen_rows: dict[tuple[str, str], str | tuple[Path, str | None, int]] = {}
        self.blank_rows: dict[tuple[str, str], tuple[Path, int]] = {}
        self.invalid: set[tuple[str, str]] = set()

    def diag(
        self,
        severity: Severity,
        message: str,
        *,
        file: Path | str,
        row: int | None = None,
        sheet: str | None = None,
        unit: Unit | None = None,
        code: str | None = None,
        column: str | None = None,
    ) -> None:
        """`code` names an indicator (in the message and as the field); `column` a column about the whole unit."""
        prefix = []
        if unit is not None:
            prefix.append(f"đơn vị «{unit.name}»")
        if sheet:
            prefix.append(f"trang «{sheet}»")
        if code:
            prefix.append(f"chỉ số {code}")
        head = ", ".join(prefix)
        head = head[:1].upper() + head[1:] + ": " if head else ""
        extra = {
            k: v
            for k, v in (
                ("sheet", sheet),
                ("unit", unit.name if unit else None),
                ("unit_id", unit.id if unit else None),
            )
            if v
        }
        self.book.diagnostics.append(
            Diagnostic(severity, head + message, file=str(file), line=row, field=code or column, extra=extra)
        )

    def indicator_set(self, unit: Unit) -> IndicatorSet | None:
        tier = self.tiers.get(unit.tier)
        return tier.indicator_set if tier else None

    def add_score(
        self,
        unit: Unit,
        code: str,
        raw: object,
        explanation: str,
        evidence: str,
        *,
        file: Path,
        row: int,
        sheet: str | None = None,
    ) -> None:
        ind = self.indicator_set(unit)
        if ind is None:
            self.diag(
                Severity.ERROR,
                f"đơn vị thuộc cấp «{unit.tier}» không có trong đợt đánh giá.",
                file=file,
                row=row,
                sheet=sheet,
                unit=unit,
            )
            return
        entry = self.book.units.setdefault(unit.id, UnitScores(unit))
        if str(file) not in entry.sources:
            entry.sources.append(str(file))
        code = str(code).strip()
        key = (unit.id, code)
        if key in self.seen_rows:
            self.diag(
                Severity.ERROR,
                f"dòng trùng: điểm của chỉ số này đã có ở {_place(self.seen_rows[key])}.",
                file=file,
                row=row,
                sheet=sheet,
                unit=unit,
                code=code,
            )
            return
        # Formatted only for a duplicate: a province has 100,000 rows.
        self.seen_rows[key] = (file, sheet, row)
        try:
            comp = ind.component(code)
        except KeyError:
            self.diag(
                Severity.ERROR,
                f"mã chỉ số «{code}» không có trong bộ chỉ số {ind.id} (phiên bản {ind.version}).",
                file=file,
                row=row,
                sheet=sheet,
                unit=unit,
                code=code,
            )
            return
        if not comp.scored:
            return
        if raw is None or str(raw).strip() == "":
            self.blank_rows[key] = (Path(file), row)  # reported once per unit, with the other blanks
            return
        value = parse_points(raw)
        problem = None
        if value is None:
            problem = f"điểm «{raw}» không phải là số."
        elif value < 0:
            problem = f"điểm {number(value)} âm; điểm phải từ 0 đến {number(comp.max_points)}."
        elif value > comp.max_points:
            problem = (
                f"điểm {number(value)} vượt điểm tối đa {number(comp.max_points)} của chỉ số «{comp.name}»."
            )
        if problem is not None or value is None:
            self.invalid.add(key)
            self.diag(Severity.ERROR, problem or "", file=file, row=row, sheet=sheet, unit=unit, code=code)
            return
        explanation = (explanation or "").strip()
        if value < comp.max_points and not explanation:
            self.diag(
                Severity.WARNING,
                f"điểm {number(value)} thấp hơn điểm tối đa {number(comp.max_points)} "
                "nhưng chưa có giải trình (văn bản hướng dẫn yêu cầu nêu rõ lý do không đạt).",
                file=file,
                row=row,
                sheet=sheet,
                unit=unit,
                code=code,
            )
        entry.scores[code] = value
        if explanation:
            entry.explanations[code] = explanation
        if evidence and str(evidence).strip():
            entry.evidence[code] = str(evidence).strip()

    def _receipt_date(
        self, raw: object, what: str, *, file: Path, row: int, unit: Unit, column: str
    ) -> date | None:
        try:
            return parse_date(raw)
        except DateFormatError as exc:
            self.diag(
                Severity.ERROR,
                f"{what} không hợp lệ: {exc.message}.",
                file=file,
                row=row,
                unit=unit,
                column=column,
            )
            return None

    def add_receipt(
        self, unit: Unit, submitted: object, appraised: object, *, file: Path, row: int, due: object = None
    ) -> None:
        current = self.book.receipts.get(unit.id, Receipt())
        sub_date, appr, due_date = current.submitted_on, current.appraised, current.due_on
        if submitted not in (None, ""):
            parsed = self._receipt_date(
                submitted, "ngày nộp", file=file, row=row, unit=unit, column="ngay_nop"
            )
            if parsed is not None and sub_date is not None and parsed != sub_date:
                self.diag(
                    Severity.ERROR,
                    f"ngày nộp {short(parsed)} khác ngày nộp đã ghi trước đó ({short(sub_date)}).",
                    file=file,
                    row=row,
                    unit=unit,
                    column="ngay_nop",
                )
            elif parsed is not None:
                sub_date = parsed
        if due not in (None, ""):
            own = self._receipt_date(due, "hạn nộp", file=file, row=row, unit=unit, column="han_nop")
            if own is not None:
                due_date = self._checked_due(unit, own, due_date, file=file, row=row)
        if appraised not in (None, ""):
            parsed_bool = parse_yes_no(appraised)
            if parsed_bool is None:
                self.diag(
                    Severity.ERROR,
                    f"cột đã thẩm định phải là «có» hoặc «không», không phải «{appraised}».",
                    file=file,
                    row=row,
                    unit=unit,
                    column="da_tham_dinh",
                )
            elif appr is not None and parsed_bool != appr:
                self.diag(
                    Severity.ERROR,
                    "thông tin thẩm định mâu thuẫn với dòng trước.",
                    file=file,
                    row=row,
                    unit=unit,
                    column="da_tham_dinh",
                )
            else:
                appr = parsed_bool
        self.book.receipts[unit.id] = Receipt(sub_date, appr, due_date)

    def _checked_due(self, unit: Unit, own: date, known: date | None, *, file: Path, row: int) -> date | None:
        """The unit's own deadline if it may stand: the same on every row, and an extension, never a shorter
        deadline than its tier's (a typo there would silently turn an on-time unit late)."""
        if known is not None and own != known:
            self.diag(
                Severity.ERROR,
                f"hạn nộp {short(own)} khác hạn nộp đã ghi trước đó ({short(known)}).",
                file=file,
                row=row,
                unit=unit,
                column="han_nop",
            )
            return known
        tier = self.tiers.get(unit.tier)
        if tier is None:  # reported with the unit's scores
            return known
        if tier.deadline is None:
            self.diag(
                Severity.WARNING,
                f"có hạn nộp riêng {short(own)} nhưng nhóm «{tier.name}» không có hạn nộp chung trong hồ sơ đợt "
                "đánh giá; hạn nộp riêng không được dùng (không đơn vị nào của nhóm bị tính nộp muộn).",
                file=file,
                row=row,
                unit=unit,
                column="han_nop",
            )
            return known
        if own < tier.deadline:
            self.diag(
                Severity.ERROR,
                f"hạn nộp {short(own)} sớm hơn hạn nộp của nhóm «{tier.name}» ({deadline_text(tier.deadline)}); "
                "cột hạn nộp chỉ ghi ngày đơn vị được gia hạn, không được rút ngắn hạn nộp.",
                file=file,
                row=row,
                unit=unit,
                column="han_nop",
            )
            return known
        return own

    def finish(self) -> ScoreBook:
        for unit_id, entry in self.book.units.items():
            ind = self.indicator_set(entry.unit)
            if ind is None:
                continue
            missing = [c.code for c in ind.scored_components if (unit_id, c.code) not in self.seen_rows]
            empty = [c.code for c in ind.scored_components if (unit_id, c.code) in self.blank_rows]
            for codes, what in ((missing, "thiếu điểm của"), (empty, "chưa nhập điểm cho")):
                if not codes:
                    continue
                shown = ", ".join(codes[:15]) + (
                    f" và {len(codes) - 15} chỉ số khác" if len(codes) > 15 else ""
                )
                file, row = self.blank_rows.get(
                    (unit_id, codes[0]), (entry.sources[0] if entry.sources else "", None)
                )
                self.diag(
                    Severity.ERROR,
                    f"{what} {len(codes)} chỉ số: {shown}.",
                    file=file,
                    row=row,
                    unit=entry.unit,
                    code=codes[0],
                )
        return self.book

    # ---------------------------------------------------------------- CSV

    def read_csv(self, path: Path, *, receipts_only: bool = False) -> None:
        rows = _read_csv_rows(path)
        if not rows:
            self.diag(Severity.ERROR, "tệp CSV rỗng.", file=path)
            return
        header = [
            _HEADER_ALIASES.get(slugify(h).replace("-", "_"), slugify(h).replace("-", "_")) for h in rows[0]
        ]
        needed = ("don_vi",) if receipts_only else ("don_vi", "ma_chi_so", "diem")
        missing = [h for h in needed if h not in header]
        if missing:
            self.diag(
                Severity.ERROR,
                f"thiếu cột {', '.join(missing)} ở dòng tiêu đề (các cột cần có: "
                "don_vi, ma_chi_so, diem, giai_trinh).",
                file=path,
                row=1,
            )
            return
        col = {name: header.index(name) for name in header if name in _HEADER_ALIASES.values()}
        for line_no, cells in enumerate(rows[1:], 2):
            if not any(c.strip() for c in cells):
                continue

            def get(name: str, cells: list[str] = cells) -> str:
                i = col.get(name)
                return cells[i].strip() if i is not None and i < len(cells) else ""

            unit = self.units.find(get("don_vi"))
            if unit is None:
                self.diag(
                    Severity.ERROR,
                    f"không có đơn vị «{get('don_vi')}» trong danh sách đơn vị của đợt đánh giá.",
                    file=path,
                    row=line_no,
                    code=get("ma_chi_so") or None,
                )
                continue
            if "ngay_nop" in col or "han_nop" in col or "da_tham_dinh" in col:
                self.add_receipt(
                    unit, get("ngay_nop"), get("da_tham_dinh"), file=path, row=line_no, due=get("han_nop")
                )
            if receipts_only:
                continue
            version = get("phien_ban")
            ind = self.indicator_set(unit)
            if version and ind is not None and version != ind.version:
                self.book.reject(
                    unit.id,
                    f"điểm chấm theo phiên bản «{version}» của bộ chỉ số, không phải phiên bản hiện hành "
                    f"«{ind.version}»",
                )
                self.diag(
                    Severity.ERROR,
                    f"điểm chấm theo phiên bản «{version}» của bộ chỉ số, phiên bản hiện "
                    f"hành là «{ind.version}».",
                    file=path,
                    row=line_no,
                    unit=unit,
                    code=get("ma_chi_so") or None,
                )
                if get("ma_chi_so"):  # already reported: not "missing" as well
                    self.seen_rows.setdefault((unit.id, get("ma_chi_so")), f"{path.name}, dòng {line_no}")
                continue
            code = get("ma_chi_so")
            if not code:
                self.diag(Severity.ERROR, "thiếu mã chỉ số.", file=path, row=line_no, unit=unit)
                continue
            self.add_score(
                unit, code, get("diem"), get("giai_trinh"), get("tai_lieu_kiem_chung"), file=path, row=line_no
            )

    # ---------------------------------------------------------------- XLSX

    def read_form(self, path: Path) -> None:
        try:
            wb = load_workbook(
                path, read_only=True, data_only=True
            )  # a score typed as a formula counts by its value
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            reason = os_error_text(exc) if isinstance(exc, OSError) else "tệp hỏng hoặc không phải tệp .xlsx"
            self.diag(Severity.ERROR, f"không mở được tệp Excel: {reason}.", file=path)
            return
        try:
            if fx.META_SHEET not in wb.sheetnames:
                self.diag(
                    Severity.ERROR,
                    "tệp không phải biểu mẫu do vanban tạo (thiếu thông tin ẩn về bộ chỉ "
                    "số); hãy dùng biểu mẫu được gửi kèm công văn hướng dẫn.",
                    file=path,
                )
                return
            meta = {str(r[0]): str(r[1]) for r in wb[fx.META_SHEET].iter_rows(values_only=True) if r and r[0]}
            sheet = meta.get("sheet", fx.SHEET_NAME)
            if sheet not in wb.sheetnames:
                self.diag(Severity.ERROR, f"không thấy trang «{sheet}» trong biểu mẫu.", file=path)
                return
            ws = wb[sheet]
            unit_cell = meta.get("unit_cell", fx.UNIT_NAME_CELL)
            first_row = int(meta.get("first_row", fx.FIRST_DATA_ROW))
            rows = list(ws.iter_rows(min_row=1, max_col=9, values_only=True))
            col_idx = ord(unit_cell[0]) - ord("A")
            row_idx = int(unit_cell[1:]) - 1
            unit_text = (
                rows[row_idx][col_idx] if len(rows) > row_idx and len(rows[row_idx]) > col_idx else None
            )
            unit = self.units.find(str(unit_text or "")) or self.units.find(path.stem)
            if unit is None:
                what = f"«{unit_text}»" if unit_text else "(ô tên đơn vị để trống)"
                self.diag(
                    Severity.ERROR,
                    f"không nhận ra đơn vị {what} trong danh sách đơn vị của đợt đánh giá.",
                    file=path,
                    row=row_idx + 1,
                    sheet=sheet,
                )
                return
            tier = self.tiers.get(unit.tier)
            if tier is None:
                self.diag(
                    Severity.ERROR,
                    f"cấp «{unit.tier}» của đơn vị không có trong đợt đánh giá.",
                    file=path,
                    sheet=sheet,
                    unit=unit,
                )
                return
            ind = tier.indicator_set
            if meta.get("set_id") != ind.id:
                self.book.reject(
                    unit.id,
                    f"biểu mẫu gửi về là biểu mẫu của bộ chỉ số «{meta.get('set_id')}», không phải biểu mẫu "
                    f"của nhóm «{tier.name}» (bộ chỉ số «{ind.id}»)",
                )
                self.diag(
                    Severity.ERROR,
                    f"biểu mẫu lập theo bộ chỉ số «{meta.get('set_id')}», nhưng đơn vị "
                    f"thuộc {tier.name} dùng bộ chỉ số «{ind.id}»; đơn vị đã dùng nhầm biểu mẫu.",
                    file=path,
                    sheet=sheet,
                    unit=unit,
                )
                return
            if meta.get("set_version") != ind.version:
                self.book.reject(
                    unit.id,
                    f"biểu mẫu lập theo phiên bản «{meta.get('set_version')}» của bộ chỉ số, không phải "
                    f"phiên bản hiện hành «{ind.version}»",
                )
                self.diag(
                    Severity.ERROR,
                    f"biểu mẫu lập theo phiên bản «{meta.get('set_version')}» của bộ chỉ "
                    f"số, phiên bản hiện hành là «{ind.version}»; đơn vị cần điền lại vào biểu mẫu mới.",
                    file=path,
                    sheet=sheet,
                    unit=unit,
                )
                return
            previous = self.book.units.get(unit.id)
            if previous is not None and previous.sources:
                self.diag(
                    Severity.ERROR,
                    f"đơn vị đã có biểu mẫu khác: {Path(previous.sources[0]).name}; "
                    "chỉ giữ một tệp cho mỗi đơn vị.",
                    file=path,
                    sheet=sheet,
                    unit=unit,
                )
                return
            entry = self.book.units.setdefault(unit.id, UnitScores(unit))
            entry.set_version = meta.get("set_version")
            entry.sources.append(str(path))
            code_col = ord(fx.COL_CODE) - ord("A")
            kind_col = ord(fx.COL_KIND) - ord("A")
            score_col = ord(fx.COL_SCORE) - ord("A")
            ev_col = ord(fx.COL_EVIDENCE) - ord("A")
            ex_col = ord(fx.COL_EXPLAIN) - ord("A")
            for n, values in enumerate(rows[first_row - 1 :], first_row):
                if len(values) <= kind_col or values[kind_col] != "component":
                    continue
                self.add_score(
                    unit,
                    str(values[code_col]),
                    values[score_col],
                    str(values[ex_col] or ""),
                    str(values[ev_col] or ""),
                    file=path,
                    row=n,
                    sheet=sheet,
                )
        finally:
            wb.close()


def _read_csv_rows(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise os_error(exc, "Không đọc được tệp điểm", path) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VanbanError(
            f"Tệp {path} không phải UTF-8 (lỗi ở byte {exc.start}).",
            hint="Trong Excel chọn Lưu thành «CSV UTF-8 (Comma delimited)».",
        ) from exc
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_scores(path: Path, units: Iterable[Unit], tiers: Iterable[TierRef]) -> ScoreBook:
    """Read a CSV file or a folder of filled XLSX forms (plus an optional tiep_nhan.csv)."""
    path = Path(path)
    reader = _Reader(units, tiers)
    if path.is_dir():
        forms = sorted(
            p for p in path.iterdir() if p.suffix.lower() == ".xlsx" and not p.name.startswith((".", "~$"))
        )
        if not forms:
            raise VanbanError(f"Thư mục {path} không có biểu mẫu Excel (.xlsx) nào.")
        for form in forms:
            reader.read_form(form)
        receipts = path / RECEIPTS_FILE
        if receipts.exists():
            reader.read_csv(receipts, receipts_only=True)
    elif path.suffix.lower() == ".csv":
        reader.read_csv(path)
    elif path.suffix.lower() == ".xlsx":
        reader.read_form(path)
    elif not path.exists():
        raise VanbanError(
            f"Không tìm thấy {path}.", hint="Chỉ ra một tệp CSV hoặc một thư mục biểu mẫu Excel."
        )
    else:
        raise VanbanError(f"Không đọc được {path}: chỉ nhận tệp .csv, tệp .xlsx hoặc thư mục chứa tệp .xlsx.")
    return reader.finish()


def merge_receipts(book: ScoreBook, receipts: Mapping[str, Receipt]) -> None:
    """Receipts recorded elsewhere (e.g. the văn thư's register) override those read from the scores; an
    extension read from the scores stays unless the override names one (a register records arrivals, not the
    extensions the Sở granted)."""
    for unit_id, receipt in receipts.items():
        read = book.receipts.get(unit_id)
        if receipt.due_on is None and read is not None and read.due_on is not None:
            receipt = Receipt(receipt.submitted_on, receipt.appraised, read.due_on)
        book.receipts[unit_id] = receipt


__all__ = [
    "RECEIPTS_FILE",
    "Receipt",
    "ScoreBook",
    "UnitIndex",
    "UnitScores",
    "merge_receipts",
    "parse_points",
    "parse_yes_no",
    "read_scores",
]
