"""The Sở's view of an online campaign: per tier how many units are where, and per unit its state, deadline and
submission. Set-based whatever the number of units: one aggregate query for the counts (the overdue ones too, as
SQL from each tier's close and the few extensions), one query for the units, one for the extensions; each tier's
deadlines are computed from the campaign once."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q

from letters.core.vn import vi_sort_key
from letters.usecases.online import EXPLANATIONS, SELF_ASSESSMENT, OnlinePlan
from web.assessment import clock, windows
from web.assessment.models import Extension, State, Submission
from web.assessment.plans import plan_for
from web.campaigns.models import Campaign

IN_APPRAISAL = (State.IN_APPRAISAL, State.EXPLANATIONS, State.REAPPRAISAL)
NOT_SENT = (State.DRAFT, State.AWAITING_APPROVAL)
OVERDUE = "qua_han"

# The latest grant's last day per (unit, phase), as windows.for_unit reads it.
Extensions = dict[tuple[int, str], date]


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    query: Q  # for OVERDUE a placeholder: its query depends on the clock and the extensions (overdue_query)


# "Quá hạn, chưa gửi" and "Nộp muộn" overlap the others: such a unit is also counted where its state puts it.
CATEGORIES: tuple[Category, ...] = (
    Category("chua_bat_dau", "Chưa bắt đầu", Q(state=State.DRAFT, started=False)),
    Category("dang_nhap", "Đang nhập", Q(state=State.DRAFT, started=True)),
    Category("cho_duyet", "Chờ lãnh đạo duyệt", Q(state=State.AWAITING_APPROVAL)),
    Category(OVERDUE, "Quá hạn, chưa gửi", Q(state__in=NOT_SENT)),
    Category("da_gui", "Đã gửi Sở", Q(state=State.SUBMITTED)),
    Category("nop_muon", "Nộp muộn", Q(late=True)),
    Category("dang_tham_dinh", "Đang thẩm định", Q(state__in=IN_APPRAISAL)),
    Category("da_co_ket_qua", "Đã có kết quả", Q(state=State.FINAL)),
)
BY_KEY = {c.key: c for c in CATEGORIES}


@dataclass(frozen=True)
class TierCounts:
    tier_id: str
    tier_name: str
    counts: dict[str, int]
    total: int

    @property
    def cells(self) -> list[tuple[Category, int]]:
        return [(c, self.counts.get(c.key, 0)) for c in CATEGORIES]


def _tier_names(plan: OnlinePlan | None) -> dict[str, str]:
    return {t.id: t.name for t in plan.tiers} if plan else {}


class _TierWindows:
    """Each tier's windows computed from the campaign once, whatever the number of its units."""

    def __init__(self, plan: OnlinePlan | None) -> None:
        self.plan = plan
        self.base: dict[str, tuple[windows.Window | None, windows.Window | None]] = {}

    def of(self, tier: str) -> tuple[windows.Window | None, windows.Window | None]:
        if tier not in self.base:
            try:
                assert self.plan is not None
                self.base[tier] = (
                    windows.self_assessment(self.plan, tier),
                    windows.explanations(self.plan, tier),
                )
            except (AssertionError, KeyError):  # a tier the campaign file no longer has
                self.base[tier] = (None, None)
        return self.base[tier]


def latest_extensions(campaign: Campaign) -> Extensions:
    """Every unit's latest grant per phase: one query (a campaign has few grants, whatever its units)."""
    latest: Extensions = {}
    for unit_id, phase, until in (
        Extension.objects.filter(campaign=campaign)
        .order_by("unit_id", "phase", "-granted_at", "-id")
        .values_list("unit_id", "phase", "until")
    ):
        latest.setdefault((unit_id, phase), until)
    return latest


def overdue_query(plan: OnlinePlan | None, now: datetime, extensions: Extensions) -> Q:
    """The units still drafting or awaiting their leader after their own close, as SQL: the tiers whose close
    has passed, less the units an extension keeps open. An extension only moves a close later, so a unit of
    such a tier is open exactly when its latest grant ends after `now` (web.deadlines.services.unit_deadlines
    says the same unit by unit)."""
    if plan is None:
        return Q(pk__in=[])
    tiers = _TierWindows(plan)
    past = [t.id for t in plan.tiers if (own := tiers.of(t.id)[0]) is not None and own.past(now)]
    if not past:
        return Q(pk__in=[])
    kept_open = [
        unit_id
        for (unit_id, phase), until in extensions.items()
        if phase == SELF_ASSESSMENT and clock.end_of_day(until) > now
    ]
    query = Q(state__in=NOT_SENT, tier__in=past)
    return query & ~Q(unit_id__in=kept_open) if kept_open else query


def _queries(plan: OnlinePlan | None, now: datetime, extensions: Extensions) -> dict[str, Q]:
    return {c.key: overdue_query(plan, now, extensions) if c.key == OVERDUE else c.query for c in CATEGORIES}


def tier_counts(
    campaign: Campaign,
    plan: OnlinePlan | None,
    *,
    now: datetime | None = None,
    extensions: Extensions | None = None,
) -> list[TierCounts]:
    """One row per tier (in the campaign file's order) and a last row for the whole campaign: one query (and
    one for the extensions unless given)."""
    if extensions is None:
        extensions = latest_extensions(campaign)
    queries = _queries(plan, now or clock.now(), extensions)
    rows = (
        Submission.objects.filter(campaign=campaign)
        .values("tier")
        .annotate(total=Count("pk"), **{key: Count("pk", filter=q) for key, q in queries.items()})
        .order_by()
    )
    names = _tier_names(plan)
    order = {tier: n for n, tier in enumerate(names)}
    found = sorted(rows, key=lambda r: (order.get(r["tier"], len(order)), r["tier"]))
    result = [
        TierCounts(
            r["tier"], names.get(r["tier"], r["tier"]), {c.key: r[c.key] for c in CATEGORIES}, r["total"]
        )
        for r in found
    ]
    result.append(
        TierCounts(
            "",
            "Tổng số",
            {c.key: sum(t.counts[c.key] for t in result) for c in CATEGORIES},
            sum(t.total for t in result),
        )
    )
    return result


@dataclass(frozen=True)
class UnitRow:
    unit: str
    code: str
    tier_id: str
    tier_name: str
    state: str
    state_label: str
    deadline: date | None  # the self-assessment's last day, with the unit's extension
    extended: bool
    explanations_deadline: date | None  # while the unit explains: that window's last day
    submitted_at: datetime | None  # in Việt Nam
    late: bool
    overdue: bool  # not sent, and its self-assessment window closed


def _state_label(sub: Submission) -> str:
    if sub.state == State.DRAFT:
        return "Đang nhập" if sub.started else "Chưa bắt đầu"
    return sub.get_state_display()


def _extended(base: windows.Window, until: date | None) -> windows.Window:
    """The tier's window moved by one unit's extension, as windows.for_unit would compute it."""
    if until is None or (base.last_day is not None and until <= base.last_day):
        return base
    return replace(base, last_day=until, extended=True)


def unit_rows(
    campaign: Campaign,
    plan: OnlinePlan | None,
    *,
    tier: str = "",
    category: str = "",
    now: datetime | None = None,
    extensions: Extensions | None = None,
) -> list[UnitRow]:
    """Every unit of the campaign (or of one tier, or one count's units), in the campaign file's tier order and
    by name: one query (and one for the extensions unless given)."""
    now = now or clock.now()
    if extensions is None:
        extensions = latest_extensions(campaign)
    qs = Submission.objects.filter(campaign=campaign).select_related("unit")
    if tier:
        qs = qs.filter(tier=tier)
    if category in BY_KEY:
        qs = qs.filter(_queries(plan, now, extensions)[category])
    subs = list(
        qs.only(
            "tier",
            "state",
            "started",
            "late",
            "submitted_at",
            "unit_id",
            "unit__name",
            "unit__code",
            "campaign_id",
        )
    )
    names = _tier_names(plan)
    order = {t: n for n, t in enumerate(names)}
    tiers = _TierWindows(plan)
    rows = []
    for sub in sorted(subs, key=lambda s: (order.get(s.tier, len(order)), s.tier, vi_sort_key(s.unit.name))):
        own, explain = tiers.of(sub.tier)
        if own is not None:
            own = _extended(own, extensions.get((sub.unit_id, SELF_ASSESSMENT)))
        if explain is not None and sub.state == State.EXPLANATIONS:
            explain = _extended(explain, extensions.get((sub.unit_id, EXPLANATIONS)))
        rows.append(
            UnitRow(
                unit=sub.unit.name,
                code=sub.unit.code,
                tier_id=sub.tier,
                tier_name=names.get(sub.tier, sub.tier),
                state=sub.state,
                state_label=_state_label(sub),
                deadline=own.last_day if own else None,
                extended=bool(own and own.extended),
                explanations_deadline=explain.last_day
                if explain is not None and sub.state == State.EXPLANATIONS
                else None,
                submitted_at=sub.submitted_at.astimezone(clock.VN) if sub.submitted_at else None,
                late=sub.late,
                overdue=sub.state in NOT_SENT and bool(own and own.past(now)),
            )
        )
    return rows


def safe_plan(campaign: Campaign) -> OnlinePlan | None:
    """The campaign's plan, or None when its file has errors (the page still shows the submissions)."""
    from letters.core.errors import VanbanError

    try:
        return plan_for(campaign)
    except VanbanError:
        return None


# --------------------------------------------------------------------------- the XLSX export

UNIT_HEADERS = (
    "STT",
    "Đơn vị",
    "Mã đơn vị",
    "Nhóm đơn vị",
    "Trạng thái",
    "Hạn tự đánh giá",
    "Được gia hạn",
    "Hạn giải trình",
    "Thời điểm gửi Sở",
    "Nộp muộn",
)
DATE_FORMAT = "DD/MM/YYYY"
TIME_FORMAT = "DD/MM/YYYY HH:MM"


def export_xlsx(campaign: Campaign, counts: Iterable[TierCounts], rows: Iterable[UnitRow]) -> bytes:
    """The units' table and the counts as a workbook: Vietnamese headings, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Đơn vị"
    bold = Font(bold=True)
    ws.append(list(UNIT_HEADERS))
    for n, r in enumerate(rows, 1):
        ws.append(
            [
                n,
                r.unit,
                r.code,
                r.tier_name,
                r.state_label,
                r.deadline,
                "Có" if r.extended else "",
                r.explanations_deadline,
                r.submitted_at.replace(tzinfo=None) if r.submitted_at else None,
                "Có" if r.late else "",
            ]
        )
        ws.cell(n + 1, 6).number_format = DATE_FORMAT
        ws.cell(n + 1, 8).number_format = DATE_FORMAT
        ws.cell(n + 1, 9).number_format = TIME_FORMAT
    summary = wb.create_sheet("Tổng hợp")
    summary.append(["Nhóm đơn vị", *(c.label for c in CATEGORIES), "Tổng số đơn vị"])
    for t in counts:
        summary.append([t.tier_name, *(t.counts[c.key] for c in CATEGORIES), t.total])
    summary.append([])
    summary.append([f"Đợt đánh giá: {campaign.title}"])
    summary.append(["Số liệu tại thời điểm", clock.now().astimezone(clock.VN).replace(tzinfo=None)])
    summary.cell(summary.max_row, 2).number_format = TIME_FORMAT
    summary_widths = (30, *[16] * (len(CATEGORIES) + 1))
    for sheet, widths in ((ws, (6, 48, 28, 26, 24, 16, 12, 16, 18, 10)), (summary, summary_widths)):
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for i, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def counts_context(counts: list[TierCounts]) -> dict[str, Any]:
    return {"counts": counts, "categories": CATEGORIES}
