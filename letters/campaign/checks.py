"""Checks across sections of a campaign: references between them, and the calendar.

Structural errors come from the model; these are the mistakes that only show when sections are
read together (an unknown tier, a commune deadline after its district's) and the warnings a
careful văn thư would raise (a deadline on a Sunday or on Quốc khánh).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from letters.campaign.model import CalendarSettings, CampaignInfo, Deadline, Phase, Tier
from letters.core import vn as cal
from letters.core.errors import Diagnostic, Severity
from letters.core.yamlsrc import Loc, SourceDoc, field_path


class _Sink:
    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self.items: list[Diagnostic] = []

    def add(self, severity: Severity, loc: Loc, message: str) -> None:
        self.items.append(
            Diagnostic(
                severity, message, file=str(self.doc.path), line=self.doc.line_of(loc), field=field_path(loc)
            )
        )

    def error(self, loc: Loc, message: str) -> None:
        self.add(Severity.ERROR, loc, message)

    def warn(self, loc: Loc, message: str) -> None:
        self.add(Severity.WARNING, loc, message)


def cross_check(source: SourceDoc, sections: dict[str, Any]) -> list[Diagnostic]:
    """Mistakes between the sections that parsed; `sections` maps a section name to its validated model."""
    sink = _Sink(source)
    s = sections
    tiers: list[Tier] | None = s.get("tiers")
    tier_ids = {t.id for t in tiers} if tiers is not None else None
    if tiers is not None:
        _check_tiers(sink, tiers)
    phases: list[Phase] = s.get("phases") or []
    deadlines: list[Deadline] = s.get("deadlines") or []
    if tier_ids is not None:
        _check_tier_refs(sink, tier_ids, phases, deadlines)
    _check_phase_order(sink, phases)
    _check_deadline_chain(sink, deadlines, tiers)
    info: CampaignInfo | None = s.get("campaign")
    calendar_settings: CalendarSettings = s.get("calendar") or CalendarSettings()
    work = cal.WorkCalendar(calendar_settings.extra_days_off, calendar_settings.extra_working_days)
    _check_calendar(sink, work, info, phases, deadlines, s.get("documents") or {})
    return sink.items


def _dupes(values: list[str]) -> set[str]:
    return {v for v, n in Counter(values).items() if n > 1}


def _check_tiers(sink: _Sink, tiers: list[Tier]) -> None:
    for dup in _dupes([t.id for t in tiers]):
        idx = [i for i, t in enumerate(tiers) if t.id == dup][-1]
        sink.error(("tiers", idx, "id"), f"mã nhóm đơn vị «{dup}» bị trùng")
    by_id = {t.id: t for t in tiers}
    for ti, tier in enumerate(tiers):
        for dup in _dupes([u.name for u in tier.units]):
            idx = [i for i, u in enumerate(tier.units) if u.name == dup][-1]
            sink.error(
                ("tiers", ti, "units", idx), f"đơn vị «{dup}» được liệt kê hai lần trong nhóm «{tier.name}»"
            )
        if tier.appraised_by is not None and tier.appraised_by not in by_id:
            sink.error(
                ("tiers", ti, "appraised_by"), f"nhóm đơn vị «{tier.appraised_by}» không có trong mục tiers"
            )
            continue
        appraiser = by_id.get(tier.appraised_by) if tier.appraised_by else None
        known = {u.name for u in appraiser.units} | {u.key for u in appraiser.units} if appraiser else set()
        for ui, unit in enumerate(tier.units):
            if unit.parent and appraiser is None:
                sink.error(
                    ("tiers", ti, "units", ui, "parent"),
                    f"đơn vị «{unit.name}» ghi đơn vị cấp trên nhưng nhóm «{tier.id}» chưa khai báo appraised_by",
                )
            elif appraiser is not None and unit.parent and unit.parent not in known:
                sink.error(
                    ("tiers", ti, "units", ui, "parent"),
                    f"đơn vị cấp trên «{unit.parent}» của «{unit.name}» không có trong nhóm «{appraiser.id}»",
                )
            elif appraiser is not None and not unit.parent and appraiser.units:
                sink.warn(
                    ("tiers", ti, "units", ui),
                    f"đơn vị «{unit.name}» chưa ghi đơn vị cấp trên (parent) thẩm định kết quả",
                )


def _check_tier_refs(sink: _Sink, tier_ids: set[str], phases: list[Phase], deadlines: list[Deadline]) -> None:
    def ref(loc: Loc, tier_id: str | None) -> None:
        if tier_id is not None and tier_id not in tier_ids:
            sink.error(
                loc,
                f"nhóm đơn vị «{tier_id}» không có trong mục tiers (các nhóm đã khai báo: {', '.join(sorted(tier_ids))})",
            )

    for pi, phase in enumerate(phases):
        for i, t in enumerate(phase.tiers):
            ref(("phases", pi, "tiers", i), t)
    for di, dl in enumerate(deadlines):
        for i, t in enumerate(dl.tiers):
            ref(("deadlines", di, "tiers", i), t)
        ref(("deadlines", di, "to"), dl.to)
        ref(("deadlines", di, "aggregates"), dl.aggregates)
    for dup in _dupes([p.id for p in phases]):
        sink.error(("phases", [p.id for p in phases].index(dup) + 1, "id"), f"mã giai đoạn «{dup}» bị trùng")
    for dup in _dupes([d.id for d in deadlines]):
        sink.error(("deadlines",), f"mã hạn nộp «{dup}» bị trùng")


def _check_phase_order(sink: _Sink, phases: list[Phase]) -> None:
    dated = [(i, p) for i, p in enumerate(phases) if p.start]
    for (_, a), (bi, b) in zip(dated, dated[1:], strict=False):
        assert a.start and b.start
        if b.start < a.start:
            sink.warn(
                ("phases", bi, "start"),
                f"giai đoạn «{b.name}» bắt đầu ({cal.short(b.start)}) trước giai đoạn liệt kê phía trên «{a.name}» ({cal.short(a.start)}); kiểm tra thứ tự",
            )
        elif b.start <= a.end:
            sink.warn(
                ("phases", bi, "start"),
                f"giai đoạn «{b.name}» bắt đầu ngày {cal.short(b.start)}, trùng với giai đoạn «{a.name}» (kết thúc {cal.short(a.end)})",
            )


def _check_deadline_chain(sink: _Sink, deadlines: list[Deadline], tiers: list[Tier] | None) -> None:
    """Units that submit to another tier must do so before that tier's aggregation deadline."""
    for di, dl in enumerate(deadlines):
        if not dl.to:
            continue
        later = [
            (j, d)
            for j, d in enumerate(deadlines)
            if dl.to in d.tiers and d.aggregates and set(dl.tiers) & {d.aggregates}
        ]
        if not later:
            sink.warn(
                ("deadlines", di, "to"),
                f"chưa có hạn để nhóm «{dl.to}» tổng hợp kết quả của nhóm «{', '.join(dl.tiers)}» gửi cơ quan ban hành (khai báo một hạn nộp có aggregates: {dl.tiers[0]})",
            )
        for j, agg in later:
            if not dl.date < agg.date:
                sink.warn(
                    ("deadlines", di, "date"),
                    f"hạn nộp của nhóm «{', '.join(dl.tiers)}» ({cal.short(dl.date)}) không sớm hơn hạn tổng hợp của nhóm «{dl.to}» ({cal.short(agg.date)}, mục deadlines[{j}]); cấp trên không còn thời gian thẩm định",
                )


def _check_calendar(
    sink: _Sink,
    work: cal.WorkCalendar,
    info: CampaignInfo | None,
    phases: list[Phase],
    deadlines: list[Deadline],
    documents: dict[Any, Any],
) -> None:
    def day(loc: Loc, d: date | None, what: str) -> None:
        if d is None:
            return
        reason = work.non_working_reason(d)
        if reason:
            sink.warn(loc, f"{what} ngày {cal.short(d)} rơi vào {reason}, không phải ngày làm việc")
        if info and not (info.year - 1 <= d.year <= info.year + 1):
            sink.warn(loc, f"{what} ngày {cal.short(d)} xa năm đánh giá {info.year}; kiểm tra lại năm")

    for pi, p in enumerate(phases):
        day(("phases", pi, "start"), p.start, f"giai đoạn «{p.name}» bắt đầu")
        day(("phases", pi, "end"), p.end, f"giai đoạn «{p.name}» kết thúc")
    for di, dl in enumerate(deadlines):
        day(("deadlines", di, "date"), dl.date, "hạn nộp")
    for kind, spec in documents.items():
        key = getattr(kind, "value", kind)
        day(("documents", key, "date"), spec.date, "văn bản ban hành")
