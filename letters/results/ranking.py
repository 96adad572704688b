"""Points, DTI values, grading bands and ranks per tier, with the campaign's rules on late and unappraised units.

All arithmetic is Decimal, so equal scores compare equal and ties ("đồng hạng") are exact. Equal ranks are
listed in Vietnamese alphabetical order (ICU "vi" collation: a < ă < â, d < đ, tones secondary).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from letters.core.errors import Diagnostic, Severity, VanbanError
from letters.core.files import atomic_path, atomic_write_bytes
from letters.core.properties import DocumentProperties, stamp_file
from letters.core.vn import deadline_text, points_text, short, vi_sort_key
from letters.indicators.model import TierRef, Unit
from letters.indicators.sets import IndicatorSet
from letters.results.scores import Receipt, ScoreBook, merge_receipts, read_scores

log = logging.getLogger(__name__)

FOUR = Decimal("0.0001")
TWO = Decimal("0.01")


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Band:
    """A grading band: a unit whose points ÷ maximum is at least `min_ratio` gets `name` (the first match)."""

    name: str
    min_ratio: Decimal


DEFAULT_BANDS: tuple[Band, ...] = (
    Band("Tốt", Decimal("0.90")),
    Band("Khá", Decimal("0.70")),
    Band("Trung bình", Decimal("0.50")),
    Band("Yếu", Decimal("0")),
)


@dataclass(frozen=True)
class CchcRule:
    """Conversion into the administrative-reform (CCHC) index, e.g. "Điểm đạt được = (Điểm DTI x 11)/100".

    basis: "percent" (DTI as 0–100), "value" (DTI as 0–1) or "points" (raw points).
    """

    label: str = "Điểm CCHC"
    multiplier: Decimal = Decimal(11)
    divisor: Decimal = Decimal(100)
    basis: str = "percent"
    decimals: int = 2

    def apply(self, points: Decimal, max_points: Decimal) -> Decimal:
        if self.basis == "points":
            base = points
        elif self.basis == "value":
            base = points / max_points if max_points else Decimal(0)
        else:
            base = points * 100 / max_points if max_points else Decimal(0)
        return (base * self.multiplier / self.divisor).quantize(
            Decimal(1).scaleb(-self.decimals), ROUND_HALF_UP
        )


@dataclass(frozen=True)
class RankingRules:
    """Campaign rules. `late_policy`: what happens to a unit whose results arrived after its deadline: "last"
    (scored, ranked after every unit that was on time) or "exclude" (neither scored nor ranked). A unit that
    sent nothing acceptable is "chưa nộp" under either rule: never scored, never ranked.
    `deadlines` (tier id -> date) override the tiers' own; a deadline is the last day that is on time. A unit
    the Sở gave an extension (Receipt.due_on, the scores' `han_nop` column) is judged by its own later deadline.
    `rank_by`: "points" (exact) or "dti" (the 4-decimal value)."""

    bands: tuple[Band, ...] = DEFAULT_BANDS
    late_policy: str = "last"
    require_district_appraisal: bool = True
    deadlines: Mapping[str, date] = field(default_factory=dict)
    cchc: CchcRule | None = field(default_factory=CchcRule)
    rank_by: str = "points"
    weakest_count: int = 5
    dti_decimals: int = 4

    def __post_init__(self) -> None:
        if self.late_policy not in ("last", "exclude"):
            raise VanbanError(
                f"Quy tắc xử lý đơn vị nộp muộn phải là «last» hoặc «exclude», không phải "
                f"«{self.late_policy}»."
            )
        if self.rank_by not in ("points", "dti"):
            raise VanbanError(f"Tiêu chí xếp hạng phải là «points» hoặc «dti», không phải «{self.rank_by}».")
        ratios = [b.min_ratio for b in self.bands]
        if not ratios or ratios != sorted(ratios, reverse=True) or ratios[-1] != 0:
            raise VanbanError("Các mức xếp loại phải sắp theo ngưỡng giảm dần và mức cuối có ngưỡng 0.")

    def band_for(self, points: Decimal, max_points: Decimal) -> str:
        ratio = points / max_points if max_points else Decimal(0)
        for band in self.bands:
            if ratio >= band.min_ratio:
                return band.name
        return self.bands[-1].name


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class IndexResult:
    code: str
    name: str
    points: Decimal
    max_points: Decimal
    value: Decimal  # points ÷ max, 4 decimals (0 when the index is not scored)


@dataclass(frozen=True)
class WeakIndicator:
    code: str
    name: str
    index_code: str
    points: Decimal
    max_points: Decimal
    shortfall: Decimal
    explanation: str = ""


@dataclass
class UnitResult:
    unit: Unit
    tier_id: str
    points: Decimal
    max_points: Decimal
    dti: Decimal  # points ÷ max, 4 decimals
    percent: Decimal  # points ÷ max × 100, 2 decimals
    indices: tuple[IndexResult, ...]
    weakest: tuple[WeakIndicator, ...]
    band: str | None = None
    cchc_points: Decimal | None = None
    rank: int | None = None
    tied: bool = False
    submitted: bool = True  # an accepted submission exists; False: "chưa nộp"
    submitted_on: date | None = None
    deadline: date | None = None  # last day that was on time for the unit: its tier's, or its extension's
    extended: bool = False  # `deadline` is the unit's own, later than its tier's by an extension
    late: bool = False
    excluded: bool = False  # submitted, but a campaign rule keeps it out of scoring and ranking
    rejected: tuple[
        str, ...
    ] = ()  # why what the unit sent was refused (old form version, another tier's form)
    # Why the unit is not ranked like the others ("gửi kết quả ngày …, quá hạn nộp là chậm nhất ngày …"), then
    # the consequence ("xếp cuối nhóm"): fragments that start in lower case, to be set into sentences.
    causes: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # causes followed by the consequence
    has_errors: bool = False

    @property
    def status(self) -> str:
        """ "ranked", "ranked_last" (late under the "last" rule: ranked after every unit on time),
        "excluded" (submitted, not scored: late under "exclude", or not appraised) or "missing" (chưa nộp)."""
        if not self.submitted:
            return "missing"
        if self.excluded:
            return "excluded"
        return "ranked_last" if self.late else "ranked"

    @property
    def scored(self) -> bool:
        """Whether the unit's points count: only these show a score, a band, a chart or weak indicators."""
        return self.submitted and not self.excluded

    @property
    def index_points(self) -> dict[str, Decimal]:
        return {i.code: i.points for i in self.indices}

    def note(self) -> str:
        parts = ["Đồng hạng"] if self.tied and self.rank is not None else []
        parts.extend(self.reasons)
        if self.has_errors and self.submitted:
            parts.append("dữ liệu điểm có lỗi, điểm lỗi được tính 0")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]


@dataclass
class TierResult:
    tier: TierRef
    units: list[
        UnitResult
    ]  # rank order (equal ranks alphabetical), then excluded, then missing (alphabetical)
    average: dict[str, Decimal]  # average points per main index over scored (not excluded, submitted) units
    average_points: Decimal
    average_dti: Decimal

    @property
    def ranked(self) -> list[UnitResult]:
        return [u for u in self.units if u.rank is not None]

    @property
    def excluded(self) -> list[UnitResult]:
        """Every unit without a rank: excluded by a rule, or with nothing accepted ("chưa nộp")."""
        return [u for u in self.units if u.rank is None]

    @property
    def missing(self) -> list[UnitResult]:
        """Units with no accepted submission ("chưa nộp"), including those whose forms were refused."""
        return [u for u in self.units if not u.submitted]

    @property
    def undivided(self) -> bool:
        """Every ranked unit has the same score (all 0, typically): a shared "rank 1" would say nothing true,
        so documents state that no order could be made instead."""
        ranked = [u for u in self.ranked if not u.late]
        return len(ranked) > 1 and all(u.rank == 1 for u in ranked)


@dataclass
class Results:
    tiers: list[TierResult]
    diagnostics: list[Diagnostic]
    rules: RankingRules

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def tier(self, tier_id: str) -> TierResult:
        for t in self.tiers:
            if t.tier.id == tier_id:
                return t
        raise KeyError(tier_id)

    def unit(self, unit_id: str) -> UnitResult:
        for t in self.tiers:
            for u in t.units:
                if u.unit.id == unit_id:
                    return u
        raise KeyError(unit_id)

    def all_units(self) -> list[UnitResult]:
        return [u for t in self.tiers for u in t.units]

    def missing_units(self) -> list[UnitResult]:
        """Every unit with no accepted submission, tier by tier."""
        return [u for t in self.tiers for u in t.missing]

    def tier_average(self, unit_id: str) -> dict[str, Decimal]:
        """Average points per main index of the unit's tier (what the unit's chart compares against)."""
        return self.tier(self.unit(unit_id).tier_id).average


# --------------------------------------------------------------------------- computation


def _q(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, ROUND_HALF_UP)


def _score_unit(
    unit: Unit,
    ind: IndicatorSet,
    scores: Mapping[str, Decimal],
    explanations: Mapping[str, str],
    rules: RankingRules,
) -> UnitResult:
    places = Decimal(1).scaleb(-rules.dti_decimals)
    indices: list[IndexResult] = []
    weak: list[WeakIndicator] = []
    total = Decimal(0)
    for index in ind.indices:
        pts = Decimal(0)
        for comp in index.components:
            if not comp.scored or not index.scored:
                continue
            got = scores.get(comp.code, Decimal(0))
            pts += got
            if got < comp.max_points:
                weak.append(
                    WeakIndicator(
                        comp.code,
                        comp.name,
                        index.code,
                        got,
                        comp.max_points,
                        comp.max_points - got,
                        explanations.get(comp.code, ""),
                    )
                )
        total += pts
        value = _q(pts / index.max_points, places) if index.max_points else Decimal(0)
        indices.append(IndexResult(index.code, index.name, pts, index.max_points, value))
    order = {code: i for i, code in enumerate(ind.component_codes)}
    # Largest shortfall first; as a share of the maximum breaks ties, then the set's own order.
    weak.sort(key=lambda w: (-w.shortfall, -(w.shortfall / w.max_points), order[w.code]))
    max_points = ind.max_points
    return UnitResult(
        unit=unit,
        tier_id=unit.tier,
        points=total,
        max_points=max_points,
        dti=_q(total / max_points, places) if max_points else Decimal(0),
        percent=_q(total * 100 / max_points, TWO) if max_points else Decimal(0),
        indices=tuple(indices),
        weakest=tuple(weak[: rules.weakest_count]),
    )


def rank_tier(
    tier: TierRef, units: Sequence[Unit], book: ScoreBook, rules: RankingRules, all_units: Mapping[str, Unit]
) -> TierResult:
    ind = tier.indicator_set
    deadline = rules.deadlines.get(tier.id, tier.deadline)
    error_units = {d.extra.get("unit_id") for d in book.errors}
    results: list[UnitResult] = []
    for unit in units:
        entry = book.units.get(unit.id)
        res = _score_unit(
            unit, ind, entry.scores if entry else {}, entry.explanations if entry else {}, rules
        )
        receipt = book.receipts.get(unit.id, Receipt())
        res.submitted = entry is not None
        res.submitted_on = receipt.submitted_on
        res.deadline, res.extended = _unit_deadline(deadline, receipt)
        res.rejected = tuple(book.rejected.get(unit.id, ()))
        res.has_errors = unit.id in error_units
        res.causes, consequence = _reasons(res, receipt, rules, all_units)
        res.reasons = res.causes + ((consequence,) if consequence else ())
        if res.scored:
            res.band = rules.band_for(res.points, res.max_points)
            if rules.cchc is not None:
                res.cchc_points = rules.cchc.apply(res.points, res.max_points)
        results.append(res)

    def key(r: UnitResult) -> Decimal:
        return r.points if rules.rank_by == "points" else r.dti

    on_time = [r for r in results if r.scored and not r.late]
    last = [r for r in results if r.scored and r.late]
    excluded = [r for r in results if r.submitted and r.excluded]
    missing = [r for r in results if not r.submitted]
    on_time.sort(key=lambda r: (-key(r), vi_sort_key(r.unit.name)))
    counts: dict[Decimal, int] = {}
    for r in on_time:
        counts[key(r)] = counts.get(key(r), 0) + 1
    position = 0
    previous: Decimal | None = None
    rank = 0
    for r in on_time:
        position += 1
        if previous is None or key(r) != previous:
            rank = position  # competition ranking: 1, 1, 3
            previous = key(r)
        r.rank = rank
        r.tied = counts[key(r)] > 1
    last.sort(key=lambda r: vi_sort_key(r.unit.name))
    for r in last:
        r.rank = len(on_time) + 1
        r.tied = len(last) > 1
    excluded.sort(key=lambda r: vi_sort_key(r.unit.name))
    missing.sort(key=lambda r: vi_sort_key(r.unit.name))

    scored = [r for r in results if r.scored]
    average: dict[str, Decimal] = {}
    for index in ind.indices:
        vals = [r.index_points[index.code] for r in scored]
        average[index.code] = _q(sum(vals, Decimal(0)) / len(vals), TWO) if vals else Decimal(0)
    avg_points = _q(sum((r.points for r in scored), Decimal(0)) / len(scored), TWO) if scored else Decimal(0)
    avg_dti = _q(avg_points / ind.max_points, FOUR) if ind.max_points else Decimal(0)
    return TierResult(tier, on_time + last + excluded + missing, average, avg_points, avg_dti)


def _unit_deadline(tier_deadline: date | None, receipt: Receipt) -> tuple[date | None, bool]:
    """The last day on time for one unit: its extension where it has one that extends. An extension never
    shortens the tier's deadline, nor gives a deadline to a tier without one (the reader reports both)."""
    if tier_deadline is not None and receipt.due_on is not None and receipt.due_on > tier_deadline:
        return receipt.due_on, True
    return tier_deadline, False


def _reasons(
    res: UnitResult, receipt: Receipt, rules: RankingRules, all_units: Mapping[str, Unit]
) -> tuple[tuple[str, ...], str]:
    """Sets `late` and `excluded` on `res`; returns why (the causes) and what follows (the consequence), in
    words the appendix and the notice print as they are."""
    unit, deadline = res.unit, res.deadline
    if not res.submitted:
        # Nothing accepted is "chưa nộp" under either late rule: there is nothing to score or to rank.
        if res.rejected:
            return ("chưa nộp kết quả hợp lệ: " + "; ".join(res.rejected),), ""
        return ("chưa nộp kết quả tự đánh giá",), ""
    causes: list[str] = []
    consequence = ""
    if unit.parent and rules.require_district_appraisal and receipt.appraised is False:
        parent = all_units.get(unit.parent)
        parent_name = parent.name if parent else unit.parent
        causes.append(f"{parent_name} không thẩm định kết quả tự đánh giá của đơn vị")
        consequence = "không được tính điểm, xếp hạng"
        res.excluded = True
    # The deadline is the last day on time ("đến hết ngày"), as every document writes it.
    if deadline is not None and receipt.submitted_on is not None and receipt.submitted_on > deadline:
        res.late = True
        extended = " đã được gia hạn" if res.extended else ""
        causes.append(
            f"gửi kết quả ngày {short(receipt.submitted_on)}, quá hạn nộp{extended} là {deadline_text(deadline)}"
        )
        if not res.excluded:
            if rules.late_policy == "exclude":
                res.excluded = True
                consequence = "không được chấm điểm, xếp hạng"
            else:
                consequence = "xếp cuối nhóm"
    return tuple(causes), consequence


def rank_scores(
    units: Sequence[Unit], tiers: Sequence[TierRef], book: ScoreBook, rules: RankingRules | None = None
) -> Results:
    """Rank already-read scores (see letters.scores.read_scores)."""
    rules = rules or RankingRules()
    all_units = {u.id: u for u in units}
    tier_ids = {t.id for t in tiers}
    diags = list(book.diagnostics)
    for u in units:
        if u.tier not in tier_ids:
            diags.append(
                Diagnostic(
                    Severity.ERROR,
                    f"Đơn vị «{u.name}» thuộc cấp «{u.tier}» không có trong đợt đánh giá.",
                    field="units",
                    extra={"unit": u.name, "unit_id": u.id},
                )
            )
    ranked = [rank_tier(t, [u for u in units if u.tier == t.id], book, rules, all_units) for t in tiers]
    for tier in ranked:
        log.info(
            "tier %s: %d units ranked, %d not ranked (rank by %s, late units: %s)",
            tier.tier.id,
            len(tier.ranked),
            len(tier.excluded),
            rules.rank_by,
            rules.late_policy,
        )
    return Results(ranked, diags, rules)


def compute_results(
    units: Sequence[Unit],
    tiers: Sequence[TierRef],
    scores_path: Path,
    rules: RankingRules | None = None,
    *,
    receipts: Mapping[str, Receipt] | None = None,
) -> Results:
    """Read the scores (CSV or folder of XLSX forms), then rank every tier.

    `receipts` (unit id -> Receipt) overrides submission dates / appraisal read from the scores input.
    Problems in the input are in Results.diagnostics; invalid values count as 0 points.
    """
    book = read_scores(Path(scores_path), units, tiers)
    log.info("read scores of %d units from %s", len(book.units), scores_path)
    if receipts:
        merge_receipts(book, receipts)
    return rank_scores(units, tiers, book, rules)


# --------------------------------------------------------------------------- output


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def unit_note(tier: TierResult, unit: UnitResult) -> str:
    """The "Ghi chú" of a unit in the ranking files: its reasons, or that its tier could not be ordered."""
    if tier.undivided and unit.rank == 1:
        return f"Cả nhóm cùng đạt {points_text(unit.points)} điểm, không phân biệt được thứ hạng"
    return unit.note()


def _sheet_title(name: str, used: set[str]) -> str:
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Cấp"
    title, n = clean, 2
    while title in used:
        suffix = f" ({n})"
        title, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def write_ranking_xlsx(
    results: Results,
    path: Path,
    *,
    year: int | str | None = None,
    force: bool = False,
    properties: DocumentProperties | None = None,
    index_name: str = "chỉ số chuyển đổi số",
    value_label: str = "Chỉ số DTI",
) -> Path:
    """One sheet per tier: rank, unit, points per main index, total, DTI, band, CCHC points, notes.

    `properties` title the workbook and name its author (File → Properties); `index_name` and `value_label`
    name the index in the title and the 0–1 column (a Chính quyền điện tử campaign says nothing of DTI).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    font = "Times New Roman"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    used: set[str] = set()
    cchc_label = results.rules.cchc.label if results.rules.cchc else None
    for tr in results.tiers:
        ws = wb.create_sheet(_sheet_title(tr.tier.name, used))
        ind = tr.tier.indicator_set
        scored_indices = [i for i in ind.indices if i.scored]
        headers = ["Hạng", "Đơn vị"] + [
            f"{i.code}. {i.name} ({_num(i.max_points)} điểm)" for i in scored_indices
        ]
        headers += [f"Tổng điểm ({_num(ind.max_points)})", f"{value_label} (0–1)", "Tỷ lệ (%)", "Xếp loại"]
        if cchc_label:
            headers.append(cchc_label)
        headers.append("Ghi chú")
        ncol = len(headers)
        title = f"KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG {index_name.upper()}" + (f" NĂM {year}" if year else "")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        ws.cell(1, 1, title).font = Font(name=font, size=14, bold=True)
        ws.cell(1, 1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
        edition = f" ({ind.edition})" if ind.edition else ""
        ws.cell(2, 1, f"{tr.tier.name}{edition}").font = Font(name=font, italic=True)
        ws.cell(2, 1).alignment = Alignment(horizontal="center")
        for c, text in enumerate(headers, 1):
            cell = ws.cell(4, c, text)
            cell.font = Font(name=font, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            ws.column_dimensions[get_column_letter(c)].width = 40 if c == 2 else (30 if c == ncol else 13)
        ws.row_dimensions[4].height = 60
        r = 5
        for u in tr.units:
            shown = u.scored
            idx = u.index_points
            values: list[object] = [u.rank if u.rank is not None else "Không xếp hạng", u.unit.name]
            values += [_num(idx[i.code]) if shown else None for i in scored_indices]
            values += [
                _num(u.points) if shown else None,
                _num(u.dti) if shown else None,
                _num(u.percent) if shown else None,
                u.band or "",
            ]
            if cchc_label:
                values.append(_num(u.cchc_points))
            note = unit_note(tr, u)
            values.append(note)
            # Rows do not grow by themselves for wrapped text in a generated file; size them for the notes.
            lines = max(-(-len(note) // 36), -(-len(u.unit.name) // 48), 1)
            ws.row_dimensions[r].height = 15.75 * lines + 2
            for c, v in enumerate(values, 1):
                cell = ws.cell(r, c, v)
                cell.font = Font(name=font)
                cell.border = border
                cell.alignment = Alignment(
                    vertical="top",
                    wrap_text=c in (2, ncol),
                    horizontal="center" if c not in (2, ncol) else None,
                )
                header = headers[c - 1]
                if header.startswith(value_label):
                    cell.number_format = "0.0000"
                elif 2 < c < ncol and not header.startswith("Xếp loại"):
                    cell.number_format = "0.00"
            r += 1
        avg_row = [None, "Bình quân của cấp"] + [_num(tr.average[i.code]) for i in scored_indices]
        avg_row += [_num(tr.average_points), _num(tr.average_dti), None, None]
        for c, v in enumerate(avg_row, 1):
            cell = ws.cell(r, c, v)
            cell.font = Font(name=font, bold=True, italic=True)
            cell.border = border
            if c > 2:
                cell.number_format = "0.0000" if headers[c - 1].startswith(value_label) else "0.00"
        ws.freeze_panes = "C5"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "4:4"
    props = properties or DocumentProperties(
        title=f"Kết quả đánh giá, xếp hạng {index_name}" + (f" năm {year}" if year else ""),
        author="",
        category="Kết quả xếp hạng",
    )
    with atomic_path(Path(path), force=force) as tmp:
        wb.save(tmp)
        stamp_file(tmp, props)
    return Path(path)


CSV_COLUMNS = (
    "cap_danh_gia",
    "hang",
    "dong_hang",
    "ma_don_vi",
    "don_vi",
    "tong_diem",
    "diem_toi_da",
    "chi_so_dti",
    "ty_le_phan_tram",
    "xep_loai",
    "diem_cchc",
    "trang_thai",
    "ghi_chu",
)


def ranking_csv_text(results: Results) -> str:
    """The ranking as CSV: the fixed CSV_COLUMNS, then cs_<code> = points of each main index of the tier."""
    index_codes: list[str] = []
    for tr in results.tiers:
        for i in tr.tier.indicator_set.indices:
            if i.scored and f"cs_{i.code}" not in index_codes:
                index_codes.append(f"cs_{i.code}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(CSV_COLUMNS) + index_codes)
    status_vi = {
        "ranked": "xep_hang",
        "ranked_last": "xep_hang_cuoi",
        "excluded": "khong_xep_hang",
        "missing": "chua_nop",
    }
    for tr in results.tiers:
        for u in tr.units:
            shown = u.scored
            row = [
                tr.tier.id,
                u.rank if u.rank is not None else "",
                "x" if u.tied and u.rank else "",
                u.unit.id,
                u.unit.name,
                u.points if shown else "",
                u.max_points,
                u.dti if shown else "",
                u.percent if shown else "",
                u.band or "",
                u.cchc_points if u.cchc_points is not None else "",
                status_vi[u.status],
                unit_note(tr, u),
            ]
            idx = u.index_points
            row += [idx.get(c[3:], "") if shown else "" for c in index_codes]
            writer.writerow([str(v) for v in row])
    return out.getvalue()


def write_ranking_csv(results: Results, path: Path, *, force: bool = False) -> Path:
    """UTF-8 with BOM so Excel shows the Vietnamese names correctly when the file is double-clicked."""
    return atomic_write_bytes(Path(path), ranking_csv_text(results).encode("utf-8-sig"), force=force)


__all__ = [
    "Band",
    "CSV_COLUMNS",
    "CchcRule",
    "DEFAULT_BANDS",
    "IndexResult",
    "RankingRules",
    "Results",
    "TierResult",
    "UnitResult",
    "WeakIndicator",
    "compute_results",
    "rank_scores",
    "rank_tier",
    "ranking_csv_text",
    "write_ranking_csv",
    "write_ranking_xlsx",
]
