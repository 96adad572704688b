"""Checks across sections of a campaign: references between them, and the calendar.

Structural errors come from the model; these are the mistakes that only show when sections are
read together (an unknown tier, a commune deadline after its district's) and the warnings a
careful văn thư would raise (a deadline on a Sunday or on Quốc khánh).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from letters.campaign.model import CalendarSettings, CampaignInfo, Deadline, Issuer, Phase, Tier
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
        for ai, appraiser in enumerate(s.get("appraisers") or []):
            for i, t in enumerate(appraiser.tiers):
                if t not in tier_ids:
                    sink.error(("appraisers", ai, "tiers", i), f"nhóm đơn vị «{t}» không có trong mục tiers")
    _check_phase_order(sink, phases)
    _check_deadline_chain(sink, deadlines, tiers)
    _check_phase_deadlines(sink, phases, deadlines)
    _check_deadline_wording(sink, s.get("documents") or {})
    info: CampaignInfo | None = s.get("campaign")
    calendar_settings: CalendarSettings = s.get("calendar") or CalendarSettings()
    work = cal.WorkCalendar(calendar_settings.extra_days_off, calendar_settings.extra_working_days)
    _check_calendar(sink, work, info, phases, deadlines, s.get("documents") or {})
    _check_reorganisation(
        sink, info, s.get("issuer"), tiers or [], phases, deadlines, s.get("documents") or {}
    )
    _check_copies_beyond_archive(sink, s.get("documents") or {})
    _check_annex_numbering(sink, tiers or [])
    return sink.items


def _check_copies_beyond_archive(sink: _Sink, documents: dict[Any, Any]) -> None:
    """A plan or a guidance letter whose Nơi nhận would read only "- Lưu: VT, …" is sent to nobody.

    The Kế hoạch is rendered even when the file does not describe it, so its absence counts; a công văn
    with a Kính gửi list gets "Như trên" and is sent. Results documents always name their recipients.
    """
    labels = {"ke_hoach": "Kế hoạch", "cong_van": "Công văn hướng dẫn"}
    by_value = {getattr(k, "value", k): v for k, v in documents.items()}
    for kind, label in labels.items():
        spec = by_value.get(kind)
        if spec is not None and (spec.copies_to or (kind == "cong_van" and spec.recipients)):
            continue
        if spec is None and kind == "cong_van":
            continue  # only the Kế hoạch is rendered without its own section
        sink.warn(
            ("documents", kind, "copies_to") if spec is not None else ("documents",),
            f"{label}: mục Nơi nhận chỉ có dòng «Lưu», văn bản không gửi tới cơ quan, đơn vị nào; "
            f"ghi các nơi nhận trong documents.{kind}.copies_to",
        )


def _check_annex_numbering(sink: _Sink, tiers: list[Tier]) -> None:
    """NĐ 30 numbers phụ lục with Roman numerals when a document has two or more: «Phụ lục II», not «2»."""
    if len(tiers) < 2:
        return
    for ti, tier in enumerate(tiers):
        m = re.fullmatch(r"(phụ lục)\s+(\d+)", (tier.annex or "").strip(), re.IGNORECASE)
        if m and int(m.group(2)) > 0:
            sink.warn(
                ("tiers", ti, "annex"),
                f"«{tier.annex}»: khi văn bản có từ hai phụ lục trở lên, Nghị định 30/2020/NĐ-CP đánh số "
                f"phụ lục bằng chữ số La Mã; ghi «{m.group(1)} {cal.roman(int(m.group(2)))}»",
            )


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
        if tier.published_by is not None and tier.published_by not in by_id:
            sink.error(
                ("tiers", ti, "published_by"), f"nhóm đơn vị «{tier.published_by}» không có trong mục tiers"
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


def _phase_for(deadline: Deadline, phases: dict[str, Phase]) -> Phase | None:
    """The plan's phase that ends with this deadline: named by `phase`, else the phase with the deadline's
    id, else self-assessment (`tu_danh_gia`) for results sent straight to the issuer."""
    if deadline.phase:
        return phases.get(deadline.phase)
    if deadline.id in phases:
        return phases[deadline.id]
    own = phases.get("tu_danh_gia")
    if own is not None and deadline.is_results and not deadline.to and not deadline.aggregates:
        if not own.tiers or set(deadline.tiers) <= set(own.tiers):
            return own
    return None


def _check_phase_deadlines(sink: _Sink, phases: list[Phase], deadlines: list[Deadline]) -> None:
    """The Kế hoạch states a phase's end, the công văn the deadline of the same step: one day, in both.

    Both dates are the last day ("đến hết ngày"); a plan ending self-assessment on 22/12 with a letter asking
    for results by 25/12 tells the units two different things.
    """
    by_id = {p.id: p for p in phases}
    for di, dl in enumerate(deadlines):
        if dl.phase and dl.phase not in by_id:
            sink.error(
                ("deadlines", di, "phase"),
                f"giai đoạn «{dl.phase}» không có trong mục phases (các giai đoạn đã khai báo: "
                f"{', '.join(by_id) or 'chưa có'})",
            )
            continue
        phase = _phase_for(dl, by_id)
        if phase is None or phase.end == dl.date:
            continue
        sink.warn(
            ("deadlines", di, "date"),
            f"hạn nộp «{dl.id}» ({cal.deadline_text(dl.date)}) khác ngày kết thúc giai đoạn «{phase.name}» "
            f"({cal.short(phase.end)}): Kế hoạch và công văn sẽ ghi hai hạn cho cùng một việc. Cả hai đều tính "
            "đến hết ngày ghi; sửa cho trùng nhau, hoặc ghi «phase» nếu hạn nộp thuộc giai đoạn khác",
        )


# "trước ngày {{ deadlines.x.date }}" printed by a wording override: the letter would say "before X" while
# the ranking counts X as on time. `{{ deadlines.x.by }}` writes the one form every document uses.
_BEFORE_DATE = re.compile(r"trước\s+ngày\W{0,6}\{\{\s*(deadlines|phases)\.", re.IGNORECASE)


def _check_deadline_wording(sink: _Sink, documents: dict[Any, Any]) -> None:
    for kind, spec in documents.items():
        key = getattr(kind, "value", kind)
        texts: list[tuple[Loc, str | None]] = [
            (("documents", key, "wording", name), text)
            for name, text in (getattr(spec, "wording", None) or {}).items()
        ]
        texts += [
            (("documents", key, "sections", i, "text"), change.text)
            for i, change in enumerate(getattr(spec, "sections", None) or [])
        ]
        for loc, text in texts:
            if text and _BEFORE_DATE.search(text):
                sink.warn(
                    loc,
                    "lời văn ghi «trước ngày» với một hạn nộp hay ngày kết thúc giai đoạn; vanban tính hạn đến "
                    "hết ngày ghi, nên văn bản nói một ngày, xếp hạng tính một ngày khác. Dùng "
                    "«{{ deadlines.<mã>.by }}» (in «chậm nhất ngày …») hoặc viết «chậm nhất ngày»",
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
        if p.month:
            continue  # "Tháng 6/2023": its first and last days are not days anyone named
        day(("phases", pi, "start"), p.start, f"giai đoạn «{p.name}» bắt đầu")
        day(("phases", pi, "end"), p.end, f"giai đoạn «{p.name}» kết thúc")
    for di, dl in enumerate(deadlines):
        day(("deadlines", di, "date"), dl.date, "hạn nộp")
    for kind, spec in documents.items():
        key = getattr(kind, "value", kind)
        day(("documents", key, "date"), spec.date, "văn bản ban hành")


# The 2025 reorganisation: each province's Sở Thông tin và Truyền thông merged into its Sở Khoa học và Công
# nghệ, which operates from 01/3/2025; the district level of administration ended on 01/7/2025.
STTTT_MERGED = date(2025, 3, 1)
DISTRICTS_ENDED = date(2025, 7, 1)
_DISTRICT_WORDS = re.compile(r"\b(huyện|quận|thị xã)\b", re.IGNORECASE)
_DISTRICT_IDS = frozenset({"huyen", "cap_huyen", "quan", "quan_huyen"})
_DOC_LABELS = {
    "ke_hoach": "Kế hoạch",
    "cong_van": "công văn",
    "to_trinh": "Tờ trình",
    "quyet_dinh": "Quyết định",
    "thong_bao": "Thông báo",
}
_STTTT_NAME = re.compile(r"thông\s+tin\s+và\s+truyền\s+thông", re.IGNORECASE)


def _latest_date(
    info: CampaignInfo | None, phases: list[Phase], deadlines: list[Deadline], documents: dict[Any, Any]
) -> tuple[date, str] | None:
    """The campaign's last known day and what falls on it; with no date at all, 1 January of the year its
    documents are issued (a 2026 campaign is after both changes whatever its days)."""
    found: list[tuple[date, str]] = []
    for p in phases:
        found.append((p.end, f"giai đoạn «{p.name}» kết thúc ngày {cal.short(p.end)}"))
    for dl in deadlines:
        found.append((dl.date, f"hạn nộp ngày {cal.short(dl.date)}"))
    for kind, spec in documents.items():
        if spec.date:
            label = _DOC_LABELS.get(getattr(kind, "value", kind), "văn bản")
            found.append((spec.date, f"{label} ghi ngày {cal.short(spec.date)}"))
    if info is not None:
        found.append((date(info.document_year, 1, 1), f"văn bản ban hành năm {info.document_year}"))
    return max(found, key=lambda item: item[0]) if found else None


def _is_district_tier(tier: Tier) -> bool:
    texts = (tier.name, tier.short or "", tier.agency or "")
    return tier.id in _DISTRICT_IDS or any(_DISTRICT_WORDS.search(t) for t in texts)


def _check_reorganisation(
    sink: _Sink,
    info: CampaignInfo | None,
    issuer: Issuer | None,
    tiers: list[Tier],
    phases: list[Phase],
    deadlines: list[Deadline],
    documents: dict[Any, Any],
) -> None:
    """A campaign written from last year's file after the 2025 reorganisation: a district tier that no longer
    exists, or documents issued in the name of a Sở that no longer exists."""
    latest = _latest_date(info, phases, deadlines, documents)
    if latest is None:
        return
    when, what = latest
    if when >= DISTRICTS_ENDED:
        for ti, tier in enumerate(tiers):
            if _is_district_tier(tier):
                sink.warn(
                    ("tiers", ti, "name"),
                    f"nhóm «{tier.name}» là cấp huyện, nhưng từ ngày {cal.short(DISTRICTS_ENDED)} không còn đơn vị "
                    f"hành chính cấp huyện (chính quyền địa phương hai cấp) mà đợt đánh giá này còn diễn ra sau "
                    f"ngày đó ({what}). Bỏ nhóm cấp huyện; các xã, phường gửi kết quả thẳng về cơ quan ban "
                    "hành (bỏ «appraised_by» của nhóm cấp xã và «parent» của từng xã)",
                )
    if issuer is not None and when >= STTTT_MERGED:
        named = _STTTT_NAME.search(issuer.name) and issuer.name.strip().casefold().startswith("sở")
        if named or issuer.abbreviation == "STTTT":
            sink.warn(
                ("issuer", "name"),
                f"cơ quan ban hành là {issuer.text_name} ({issuer.abbreviation}), nhưng từ ngày "
                f"{cal.short(STTTT_MERGED)} Sở Thông tin và Truyền thông đã hợp nhất vào Sở Khoa học và Công "
                f"nghệ mà đợt đánh giá này còn diễn ra sau ngày đó ({what}). Ghi «name: Sở Khoa học và Công "
                "nghệ», «abbreviation: SKHCN» và đơn vị soạn thảo của Sở mới",
            )
