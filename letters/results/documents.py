"""Documents built from the ranking: the Sở's Tờ trình, the Quyết định công bố kết quả with one
ranking appendix per tier, and a Thông báo kết quả for every unit (a mail merge with a chart)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from letters.campaign.model import Campaign, DocumentKind, Province
from letters.campaign.views import join_vi, lower_first, upper_first, wording_context
from letters.core import vn as cal
from letters.core.errors import VanbanError
from letters.documents import markup, wording
from letters.documents.builders import (
    DOC_TYPES,
    TABLE_MARK,
    BuiltDocument,
    Header,
    assemble,
    campaign_topic,
    copies_to,
    document_filename,
    document_title,
    recipients,
    reference,
    template_path,
)
from letters.indicators.model import normalise_name
from letters.results.ranking import Results, TierResult, UnitResult

log = logging.getLogger(__name__)

IMAGE_MARK = "\u27e6image:{}\u27e7"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass(frozen=True)
class ProvinceView:
    province: Province

    def __getattr__(self, name: str) -> Any:
        return getattr(self.province, name)

    @property
    def authority(self) -> str:
        return self.province.authority or f"Chủ tịch {self.province.name}"

    @property
    def signer_body(self) -> str:
        return self.authority


def _province(campaign: Campaign) -> Province:
    if campaign.province is None:
        raise VanbanError(
            "Hồ sơ chiến dịch chưa có mục «province» (UBND tỉnh ban hành Quyết định công bố kết quả).",
            hint="Thêm mục province: name, place, signer (xem examples/bacgiang-2023.yaml).",
        )
    return campaign.province


def _doc_ref(campaign: Campaign, kind: DocumentKind, issuer_abbr: str | None = None) -> dict[str, str]:
    spec = campaign.document(kind)
    ref = reference(campaign, DOC_TYPES[kind], spec, issuer_abbr=issuer_abbr)
    return {"reference": ref, "date": cal.short(spec.date) if spec.date else "      "}


def _rank_text(u: UnitResult) -> str:
    if u.rank is None:
        return "không xếp hạng"
    return f"{u.rank}{' (đồng hạng)' if u.tied else ''}"


def tier_members(campaign: Campaign, tier_id: str, fallback: str) -> str:
    """What one calls the units of a tier after a number: "18 sở, cơ quan thuộc UBND tỉnh", never
    "18 các sở": the tier's `agency` when given, else its name without the leading "Các"."""
    try:
        tier = campaign.tier(tier_id)
        agency, name = tier.agency, tier.name
    except KeyError:
        agency, name = None, fallback
    if agency:
        return agency
    name = lower_first(name)
    for opener in ("các ", "những ", "mọi "):
        if name.startswith(opener):
            return name[len(opener) :]
    return name


def issuer_unit_ids(campaign: Campaign, results: Results) -> set[str]:
    """Units that are the issuing body itself (the Sở ranks itself but sends itself no notice)."""
    issuer = campaign.issuer
    names = {normalise_name(n) for n in (issuer.name, issuer.short_name, issuer.text_name) if n}
    return {u.unit.id for u in results.all_units() if normalise_name(u.unit.name) in names}


def _named(units: list[UnitResult], *, with_causes: bool = True) -> list[str]:
    """'Sở Tư pháp (gửi kết quả ngày 27/10/2023, quá hạn nộp là chậm nhất ngày 24/10/2023)' per unit."""
    out = []
    for u in units:
        # A unit that sent nothing acceptable is listed under "chưa nộp": only a refusal needs saying.
        causes = list(u.rejected) if not u.submitted else list(u.causes)
        out.append(f"{u.unit.name} ({'; '.join(causes)})" if with_causes and causes else u.unit.name)
    return out


def _tier_summary(t: TierResult, rules_bands: list[str]) -> dict[str, Any]:
    ranked = [u for u in t.units if u.rank is not None]
    excluded = [u for u in t.units if u.rank is None]
    on_time = [u for u in ranked if not u.late]
    top = [u for u in on_time if u.rank == 1]
    bands = Counter(u.band for u in ranked if u.band)
    undivided = ""
    if t.undivided:
        undivided = (
            f"cả {len(on_time)} đơn vị được chấm điểm cùng đạt {cal.points_text(on_time[0].points)} điểm, "
            "không phân biệt được thứ hạng"
        )
    leaders = ""
    if top and not undivided and top[0].points > 0:
        leaders = join_vi([f"{u.unit.name} ({cal.points_text(u.points)} điểm)" for u in top])
    return {
        "id": t.tier.id,
        "name": t.tier.name,
        "total": len(t.units),
        "ranked": len(ranked),
        "excluded": len(excluded),
        "excluded_names": "; ".join(u.unit.name for u in excluded),
        # Every unit left out of the plain ranking, with its reason, by what happened to it.
        "late_ranked": _named([u for u in ranked if u.late]),
        "not_ranked": _named([u for u in excluded if u.submitted]),
        "missing": _named([u for u in excluded if not u.submitted]),
        "average_points": cal.points_text(t.average_points),
        "average_dti": cal.number(t.average_dti, 4),
        "max_points": cal.points_text(
            ranked[0].max_points if ranked else (t.units[0].max_points if t.units else Decimal(0))
        ),
        "undivided": undivided,
        "leaders": leaders or "không có",
        "has_leaders": bool(leaders),
        "bands_text": "; ".join(f"{b}: {bands[b]} đơn vị" for b in rules_bands if bands.get(b)) or "chưa có",
    }


def _results_context(campaign: Campaign, results: Results, kind: DocumentKind) -> dict[str, Any]:
    province = _province(campaign)
    ctx = wording_context(campaign, kind.value)
    band_names = [b.name for b in results.rules.bands]
    ctx.update(
        province=ProvinceView(province),
        proposal=_doc_ref(campaign, DocumentKind.TO_TRINH),
        decision=_doc_ref(campaign, DocumentKind.QUYET_DINH, province.abbreviation),
        result_tiers=[_tier_summary(t, band_names) for t in results.tiers],
        total_units=sum(len(t.units) for t in results.tiers),
        submitted_units=sum(1 for u in results.all_units() if u.submitted),
        appendix_text="các Phụ lục" if len(results.tiers) > 1 else "Phụ lục",
    )
    return ctx


def _compose(campaign: Campaign, kind: DocumentKind, context: dict[str, Any]) -> list[markup.Block]:
    try:
        spec = campaign.document(kind)
        blocks = wording.compose(
            kind.value, dict(spec.wording), context, changes=spec.sections, headings=spec.headings
        )
        return wording.anchor_footnotes(blocks, spec.footnote_anchors, kind.value)
    except wording.WordingError as exc:
        # `check` cannot evaluate every expression for every unit: name the place in the campaign file.
        raise wording.located(exc, campaign.source, kind.value) from None


def ranking_rows(t: TierResult, *, cchc_label: str | None) -> list[list[str]]:
    head = ["STT", "Tên cơ quan, đơn vị", "Tổng điểm", "Chỉ số", "Xếp hạng", "Xếp loại"]
    if cchc_label:
        head.append(cchc_label)
    head.append("Ghi chú")
    rows = [head]
    undivided = t.undivided
    for i, u in enumerate(t.units, 1):
        if undivided and u.rank == 1:
            # Everyone on time has the same score: "1" for each would be a ranking that was never made.
            rank = "Đồng hạng"
            note = f"Cả nhóm cùng đạt {cal.points_text(u.points)} điểm, không phân biệt được thứ hạng"
        else:
            rank = str(u.rank) if u.rank is not None else "Không xếp hạng"
            note = upper_first("; ".join(u.reasons)) if u.reasons else ("Đồng hạng" if u.tied else "")
        row = [
            str(i),
            u.unit.name,
            cal.number(u.points, 2) if u.scored else "",
            cal.number(u.dti, 4) if u.scored else "",
            rank,
            u.band or "",
        ]
        if cchc_label:
            row.append(cal.number(u.cchc_points, 2) if u.cchc_points is not None and u.scored else "")
        row.append(note)
        rows.append(row)
    return rows


def build_proposal(campaign: Campaign, results: Results) -> BuiltDocument:
    kind = DocumentKind.TO_TRINH
    spec = campaign.document(kind)
    province = _province(campaign)
    subject = (
        spec.subject
        or f"Về việc công bố kết quả đánh giá, xếp hạng {campaign.campaign.index_name} năm {campaign.campaign.year}"
    )
    header = Header(
        campaign.issuer.parent,
        campaign.issuer.name,
        reference(campaign, DOC_TYPES[kind], spec),
        campaign.issuer.place,
        spec.date,
        campaign.campaign.document_year,
        DOC_TYPES[kind].title,
        subject,
    )
    blocks = _compose(campaign, kind, _results_context(campaign, results, kind))
    rec = recipients(spec) or [province.name]
    return assemble(
        kind,
        DOC_TYPES[kind].label,
        document_filename(campaign, DOC_TYPES[kind], spec),
        template_path(campaign, DOC_TYPES[kind], spec),
        header,
        spec,
        spec.signer or campaign.signer,
        blocks,
        copies=copies_to(campaign, spec, cong_van=False, first="Như trên"),
        recipients_list=rec,
        topic=campaign_topic(campaign),
    )


def build_decision(campaign: Campaign, results: Results) -> BuiltDocument:
    kind = DocumentKind.QUYET_DINH
    spec = campaign.document(kind)
    province = _province(campaign)
    year = campaign.campaign.year
    subject = spec.subject or (
        f"Về việc công bố kết quả đánh giá, xếp hạng {campaign.campaign.index_name} "
        f"của {campaign.campaign.scope} năm {year}"
    )
    ref = reference(campaign, DOC_TYPES[kind], spec, issuer_abbr=province.abbreviation)
    issued = campaign.campaign.document_year
    header = Header(
        None, province.name, ref, province.place, spec.date, issued, DOC_TYPES[kind].title, subject
    )
    blocks = _compose(campaign, kind, _results_context(campaign, results, kind))
    cchc = results.rules.cchc.label if results.rules.cchc else None
    tables: list[list[list[str]]] = []
    appendices = []
    when = cal.in_words(spec.date) if spec.date else cal.blank_in_words(issued)
    number = ref if spec.number else f"      {ref.strip()}"
    authority = ProvinceView(province).authority
    for i, t in enumerate(results.tiers):
        tables.append(ranking_rows(t, cchc_label=cchc))
        appendices.append(
            {
                "heading": f"Phụ lục {ROMAN[i]}" if len(results.tiers) > 1 else "Phụ lục",
                "title": f"KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG {campaign.campaign.index_name.upper()} NĂM {year} "
                f"CỦA {t.tier.name.upper()}",
                "note": f"(Kèm theo Quyết định số {number.strip() if spec.number else number} {when} của {authority})",
                "table": TABLE_MARK.format(len(tables) - 1),
            }
        )
    copies = copies_to(
        campaign, spec, cong_van=False, first="Như Điều 3", archive_default=list(province.archive)
    )
    return assemble(
        kind,
        DOC_TYPES[kind].label,
        document_filename(campaign, DOC_TYPES[kind], spec),
        template_path(campaign, DOC_TYPES[kind], spec),
        header,
        spec,
        spec.signer or province.signer,
        blocks,
        copies=copies,
        recipients_list=[],
        tables=tables,
        appendices=appendices,
        topic=campaign_topic(campaign),
    )


def _index_rows(u: UnitResult, average: dict[str, Decimal]) -> list[list[str]]:
    rows = [["STT", "Chỉ số chính", "Điểm tối đa", "Điểm đạt", "Bình quân của nhóm", "Chênh lệch"]]
    for i, idx in enumerate(u.indices, 1):
        avg = average.get(idx.code, Decimal(0))
        diff = idx.points - avg
        rows.append(
            [
                str(i),
                idx.name,
                cal.points_text(idx.max_points),
                cal.number(idx.points, 2),
                cal.number(avg, 2),
                ("+" if diff > 0 else "") + cal.number(diff, 2),
            ]
        )
    total_avg = sum(average.values(), Decimal(0))
    rows.append(
        [
            "",
            "Tổng cộng",
            cal.points_text(u.max_points),
            cal.number(u.points, 2),
            cal.number(total_avg, 2),
            ("+" if u.points > total_avg else "") + cal.number(u.points - total_avg, 2),
        ]
    )
    return rows


def build_notice(
    campaign: Campaign, results: Results, unit: UnitResult, chart_png: bytes | None
) -> BuiltDocument:
    kind = DocumentKind.THONG_BAO
    spec = campaign.document(kind)
    year = campaign.campaign.year
    tier = results.tier(unit.tier_id)
    ctx = _results_context(campaign, results, kind)
    # A unit that was not scored gets no score table, chart or weak indicators: only why it was not scored.
    tables = [_index_rows(unit, tier.average)] if unit.scored else []
    images = [chart_png] if chart_png and unit.scored else []
    cchc = results.rules.cchc
    on_time = [u for u in tier.ranked if not u.late]
    ctx["unit"] = {
        "name": unit.unit.name,
        "status": unit.status,
        "scored": unit.scored,
        "missing": not unit.submitted,
        "points": cal.points_text(unit.points),
        "max_points": cal.points_text(unit.max_points),
        "dti": cal.number(unit.dti, 4),
        "rank_text": _rank_text(unit),
        "tier_count": sum(1 for u in tier.units if u.rank is not None),
        "tier_name": tier.tier.name,
        "tier_members": tier_members(campaign, tier.tier.id, tier.tier.name),
        # Every unit on time has the same score (all 0, typically): no order was made, and the notice says so.
        "undivided": tier.undivided and unit.rank == 1 and not unit.late,
        "tied_count": len(on_time),
        "band": unit.band or "",
        "cchc": cal.number(unit.cchc_points, 2) if unit.cchc_points is not None and unit.scored else "",
        "cchc_label": cchc.label if cchc else "",
        "late": unit.late,
        "excluded": unit.rank is None,
        "deadline": cal.deadline_text(unit.deadline) if unit.deadline else "",
        "rejected": "; ".join(unit.rejected),
        "causes": "; ".join(unit.causes),
        "reasons": "; ".join(unit.reasons),
        "table": TABLE_MARK.format(0) if tables else "",
        "chart": IMAGE_MARK.format(0) if images else "",
        "weakest": [
            {
                "code": w.code,
                "name": w.name,
                "points": cal.points_text(w.points),
                "max_points": cal.points_text(w.max_points),
                "explanation": w.explanation.strip().rstrip("."),
            }
            for w in (unit.weakest if unit.scored else ())
        ],
    }
    subject = spec.subject or f"Kết quả đánh giá, xếp hạng {campaign.campaign.index_name} năm {year}"
    header = Header(
        campaign.issuer.parent,
        campaign.issuer.name,
        reference(campaign, DOC_TYPES[kind], spec),
        campaign.issuer.place,
        spec.date,
        campaign.campaign.document_year,
        DOC_TYPES[kind].title,
        subject,
    )
    blocks = _compose(campaign, kind, ctx)
    copies = copies_to(campaign, spec, cong_van=False, first="Như trên")
    filename = notice_filename(year, unit.unit.id)
    return assemble(
        kind,
        f"Thông báo kết quả: {unit.unit.name}",
        filename,
        template_path(campaign, DOC_TYPES[kind], spec),
        header,
        spec,
        spec.signer or campaign.signer,
        blocks,
        copies=copies,
        recipients_list=[unit.unit.name],
        tables=tables,
        images=images,
        bold_rows={0: {len(tables[0]) - 1}} if tables else {},
        topic=campaign_topic(campaign),
        title=f"{document_title(header.title, header.subject, cong_van=False)} ({unit.unit.name})",
    )


def notice_filename(year: int, unit_id: str) -> str:
    return f"{year}-thong-bao-ket-qua-{unit_id}.docx"


ChartFn = Callable[[UnitResult, dict[str, Decimal]], bytes]


def render_results_documents(
    campaign: Campaign,
    results: Results,
    out_dir: Path,
    *,
    chart: ChartFn | None,
    force: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ResultsDocuments:
    """Tờ trình, Quyết định and every notice into `out_dir` (notices under `thong-bao/`), both cores used.

    Every unit gets a notice except the issuing body itself, which is ranked but does not write to itself.
    """
    from letters.core.files import atomic_write_bytes, check_writable
    from letters.documents.render import render_bytes

    out_dir = Path(out_dir)
    main = [build_proposal(campaign, results), build_decision(campaign, results)]
    notice_dir = out_dir / "thong-bao"
    own = issuer_unit_ids(campaign, results)
    units = [u for u in results.all_units() if u.unit.id not in own]
    targets = [out_dir / b.filename for b in main] + [
        notice_dir / notice_filename(campaign.campaign.year, u.unit.id) for u in units
    ]
    for target in targets:
        check_writable(target, force)
    proposal, decision = (
        atomic_write_bytes(out_dir / b.filename, render_bytes(b), force=force) for b in main
    )
    notices = _render_notices(campaign, results, units, notice_dir, chart, force, workers, progress)
    return ResultsDocuments(
        proposal, decision, notices, [u.unit.name for u in results.all_units() if u.unit.id in own]
    )


@dataclass(frozen=True)
class ResultsDocuments:
    """The files `render_results_documents` wrote, by what they are."""

    proposal: Path  # Tờ trình of the Sở
    decision: Path  # Quyết định of the province, with its ranking appendices
    notices: list[Path]  # one Thông báo kết quả per unit, except the issuer
    without_notice: list[str] = field(default_factory=list)  # units that are the issuer: no notice to itself

    @property
    def files(self) -> list[Path]:
        return [self.proposal, self.decision, *self.notices]


_job_state: dict[str, Any] = {}


def _init_notice_worker(
    campaign: Campaign, results: Results, notice_dir: Path, chart: ChartFn | None, force: bool
) -> None:
    # Sent once per worker process, not once per notice: the results of a province are large.
    _job_state.update(campaign=campaign, results=results, notice_dir=notice_dir, chart=chart, force=force)


def _notice_job(unit_id: str) -> Path:
    from letters.core.errors import portable_errors
    from letters.core.files import atomic_write_bytes
    from letters.documents.render import render_bytes

    with portable_errors():  # the parent re-raises the same error, not BrokenProcessPool
        campaign, results = _job_state["campaign"], _job_state["results"]
        chart = _job_state["chart"]
        unit = results.unit(unit_id)
        png = chart(unit, results.tier(unit.tier_id).average) if chart and unit.scored else None
        built = build_notice(campaign, results, unit, png)
        log.debug("notice for %s built", unit_id)
        return atomic_write_bytes(
            _job_state["notice_dir"] / built.filename, render_bytes(built), force=_job_state["force"]
        )


def _render_notices(
    campaign: Campaign,
    results: Results,
    units: list[UnitResult],
    notice_dir: Path,
    chart: ChartFn | None,
    force: bool,
    workers: int | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    ids = [u.unit.id for u in units]
    size = min(len(ids), workers or os.cpu_count() or 1)
    written: list[Path] = []

    def done(path: Path) -> None:
        written.append(path)
        if progress is not None:
            progress(len(written), len(ids))

    if size <= 1 or len(ids) < 8:
        _init_notice_worker(campaign, results, notice_dir, chart, force)
        for i in ids:
            done(_notice_job(i))
        return written
    # Charts and DOCX assembly are CPU-bound; a process per core is what makes 250 notices take seconds.
    # fork reuses the loaded fonts and compiled templates instead of loading them again.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(
        max_workers=size,
        mp_context=ctx,
        initializer=_init_notice_worker,
        initargs=(campaign, results, notice_dir, chart, force),
    ) as pool:
        log.info("rendering %d notices in %d processes", len(ids), size)
        try:
            for path in pool.map(_notice_job, ids, chunksize=max(1, len(ids) // (size * 4))):
                done(path)
            return written
        except BaseException:
            # One notice failed: the others would be wasted work, and the run stops anyway.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
