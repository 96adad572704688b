"""Use cases on a campaign's results: blank forms, example scores, indicator sets, ranking and its documents."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from letters.core.errors import Diagnostic, DiagnosticsError, Severity, VanbanError
from letters.core.files import check_writable, staged_outputs
from letters.core.progress import ProgressFactory, step
from letters.usecases.documents import load_checked_campaign

if TYPE_CHECKING:
    from letters.results.pipeline import ResultsFiles
    from letters.results.ranking import Results

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FormsRequest:
    campaign_file: Path
    out_dir: Path
    force: bool = False


def write_blank_forms(request: FormsRequest) -> list[Path]:
    """One blank self-assessment workbook (XLSX) per tier of the campaign."""
    from letters.indicators.tiers import from_campaign_model, write_forms

    campaign = load_checked_campaign(request.campaign_file, build_letters=False).campaign
    assert campaign is not None
    inputs = from_campaign_model(campaign)
    with staged_outputs(request.out_dir, force=request.force) as stage:
        written = write_forms(inputs, stage, force=True)
        relative = [p.relative_to(stage) for p in written]
    return [request.out_dir / r for r in relative]


@dataclass(frozen=True)
class ExampleScoresRequest:
    campaign_file: Path
    out_dir: Path
    seed: int = 2024
    forms: bool = True
    force: bool = False


def write_example_scores(request: ExampleScoresRequest) -> Path:
    """Realistic self-assessment scores (CSV, and filled XLSX forms) to try the results on; returns the CSV."""
    from letters.indicators.tiers import from_campaign_model
    from letters.results.example import make_example_scores

    campaign = load_checked_campaign(request.campaign_file, build_letters=False).campaign
    assert campaign is not None
    inputs = from_campaign_model(campaign)
    with staged_outputs(request.out_dir, force=request.force) as stage:
        csv_path = make_example_scores(
            inputs.units,
            inputs.tiers,
            stage,
            request.seed,
            year=campaign.campaign.year,
            forms=request.forms,
            force=True,
        )
        relative = csv_path.relative_to(stage)
    return request.out_dir / relative


@dataclass(frozen=True)
class IndicatorSetReport:
    path: Path
    diagnostics: list[Diagnostic]
    name: str = ""
    version: str = ""
    indices: int = 0
    components: int = 0
    max_points: Decimal = Decimal(0)

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def check_indicator_sets(refs: tuple[str, ...], base_dir: Path) -> list[IndicatorSetReport]:
    """Each indicator set (a built-in id or a YAML file; every built-in set when none is named)."""
    from letters.indicators.sets import (
        builtin_set_ids,
        check_indicator_set,
        load_indicator_set,
        resolve_set_path,
    )

    reports = []
    for ref in refs or tuple(builtin_set_ids()):
        path = resolve_set_path(ref, base_dir)
        diags = check_indicator_set(path)
        report = IndicatorSetReport(path, diags)
        if report.ok:
            ind = load_indicator_set(path)
            report = replace(
                report,
                name=ind.name,
                version=str(ind.version),
                indices=len(ind.indices),
                components=sum(1 for _ in ind.components()),
                max_points=ind.max_points,
            )
        reports.append(report)
    return reports


@dataclass(frozen=True)
class ResultsRequest:
    campaign_file: Path
    scores: Path  # a CSV file or a folder of filled XLSX forms
    out_dir: Path
    late_rule: Literal["exclude", "last"] | None = None  # None: as the campaign file says
    rank_by: Literal["points", "dti"] | None = None
    chart_files: bool = False
    ignore_errors: bool = False
    force: bool = False
    workers: int | None = None
    pdf: bool = False  # a PDF beside the Tờ trình, the Quyết định and every notice (LibreOffice)
    progress: ProgressFactory | None = None  # one bar for the notices, one for the PDFs


@dataclass(frozen=True)
class MissingUnit:
    """A unit with no accepted submission ("chưa nộp"): never scored, never ranked."""

    tier: str  # the tier's name
    unit: str  # the unit's name
    reason: str  # "chưa nộp kết quả tự đánh giá", or why what it sent was refused


@dataclass
class ResultsOutcome:
    """The ranking and every file written, by what it is."""

    results: Results
    files: ResultsFiles
    diagnostics: list[Diagnostic] = field(default_factory=list)
    missing: list[MissingUnit] = field(default_factory=list)  # units that sent nothing acceptable
    pdfs: list[Path] = field(default_factory=list)  # with `pdf`: one beside each document

    @property
    def without_notice(self) -> list[str]:
        """Units that got no notice: the issuing body itself."""
        return list(self.files.documents.without_notice)


def missing_units(results: Results) -> list[MissingUnit]:
    return [
        MissingUnit(t.tier.name, u.unit.name, "; ".join(u.causes)) for t in results.tiers for u in t.missing
    ]


def run_results(request: ResultsRequest) -> ResultsOutcome:
    """Read the scores, rank every tier, and write the ranking, the Tờ trình, the Quyết định and the notices.

    Errors in the scores stop the run (every one is listed) unless `ignore_errors`; nothing is written then.
    Units with nothing accepted are returned in `missing`; under the campaign's `results.missing_rule: stop`
    they stop the run too, listed one by one.
    """
    from letters.results.pipeline import compute_campaign_results, ranking_rules, write_outputs

    campaign = load_checked_campaign(request.campaign_file, build_letters=False).campaign
    assert campaign is not None
    rules = ranking_rules(campaign)
    rules = replace(
        rules, late_policy=request.late_rule or rules.late_policy, rank_by=request.rank_by or rules.rank_by
    )
    results = compute_campaign_results(campaign, request.scores, rules)
    if results.errors and not request.ignore_errors:
        raise DiagnosticsError(results.diagnostics, source=f"Dữ liệu điểm {request.scores}")
    missing = missing_units(results)
    if missing and campaign.results.missing_rule == "stop":
        listed = "\n".join(f"  - {m.unit} ({m.tier}): {m.reason}" for m in missing)
        raise VanbanError(
            f"Còn {len(missing)} đơn vị chưa nộp kết quả tự đánh giá hợp lệ; theo quy tắc «missing_rule: stop» "
            f"của hồ sơ chiến dịch, không lập văn bản nào:\n{listed}",
            hint="Nhận đủ kết quả rồi chạy lại; hoặc đổi results.missing_rule thành warn để vẫn lập văn bản, "
            "ghi các đơn vị này là «chưa nộp».",
            file=request.campaign_file,
            field="results.missing_rule",
        )
    log.info("ranked %d tiers from %s", len(results.tiers), request.scores)
    with staged_outputs(request.out_dir, force=request.force) as stage:
        staged = write_outputs(
            campaign,
            results,
            stage,
            force=True,
            chart_files=request.chart_files,
            workers=request.workers,
            progress=step(request.progress, "Soạn thông báo kết quả"),
        )
        pdfs: list[Path] = []
        if request.pdf:
            from letters.pdf.convert import convert_files

            docs = staged.documents.files
            for doc in docs:  # refuse before the slow conversion rather than after it
                check_writable(request.out_dir / doc.with_suffix(".pdf").relative_to(stage), request.force)
            pdfs = convert_files(
                [(doc, doc.with_suffix(".pdf")) for doc in docs],
                force=True,
                workers=request.workers,
                progress=step(request.progress, "Chuyển sang PDF"),
            )
        pdfs = [request.out_dir / p.relative_to(stage) for p in pdfs]
    files = _moved(staged, stage, request.out_dir)
    return ResultsOutcome(results, files, results.diagnostics, missing, pdfs)


def _moved(staged: ResultsFiles, stage: Path, out_dir: Path) -> ResultsFiles:
    """The same record of files, at the place staging moved them to."""
    from letters.results.documents import ResultsDocuments
    from letters.results.pipeline import ResultsFiles

    def at(path: Path) -> Path:
        return out_dir / path.relative_to(stage)

    docs = staged.documents
    return ResultsFiles(
        at(staged.ranking_xlsx),
        at(staged.ranking_csv),
        ResultsDocuments(
            at(docs.proposal), at(docs.decision), [at(p) for p in docs.notices], list(docs.without_notice)
        ),
        [at(p) for p in staged.charts],
    )


RANKING_STATUS_VI: dict[str, str] = {
    "ranked": "xếp hạng",
    "ranked_last": "nộp muộn, xếp cuối nhóm",
    "excluded": "không xếp hạng",
    "missing": "chưa nộp",
}


@dataclass(frozen=True)
class RankingRow:
    """One unit's line of the ranking, with the values and note the ranking files (CSV, XLSX) print."""

    tier_id: str
    tier_name: str
    rank: int | None
    tied: bool
    unit_id: str
    unit_name: str
    points: Decimal | None  # None when the unit is not scored (chưa nộp, excluded)
    max_points: Decimal
    dti: Decimal | None
    percent: Decimal | None
    band: str
    cchc_points: Decimal | None
    status: str  # a key of RANKING_STATUS_VI
    late: bool
    submitted_on: date | None
    note: str

    @property
    def status_vi(self) -> str:
        return RANKING_STATUS_VI[self.status]


def ranking_rows(results: Results) -> list[RankingRow]:
    """Every unit of every tier in ranking order, as the ranking CSV lists them."""
    from letters.results.ranking import unit_note

    rows = []
    for tier in results.tiers:
        for u in tier.units:
            shown = u.scored
            rows.append(
                RankingRow(
                    tier_id=tier.tier.id,
                    tier_name=tier.tier.name,
                    rank=u.rank,
                    tied=bool(u.tied and u.rank),
                    unit_id=u.unit.id,
                    unit_name=u.unit.name,
                    points=u.points if shown else None,
                    max_points=u.max_points,
                    dti=u.dti if shown else None,
                    percent=u.percent if shown else None,
                    band=u.band or "",
                    cchc_points=u.cchc_points,
                    status=u.status,
                    late=u.late,
                    submitted_on=u.submitted_on,
                    note=unit_note(tier, u),
                )
            )
    return rows


SCORES_ARCHIVE_SUFFIXES = (".xlsx", ".csv")


def unpack_scores_archive(
    archive: Path, dest: Path, *, max_files: int = 2000, max_total_mb: int = 512
) -> Path:
    """The filled forms (and tiep_nhan.csv) of a ZIP, unpacked into the empty folder `dest`, which is returned
    for `ResultsRequest.scores`.

    The archive is read with the defences of evidence verification (no path escapes, no links, size and
    compression ratio bounded while unpacking); members are flattened to their file names. A member that
    cannot be unpacked, or two forms with the same name, stop it with the member named.
    """
    import shutil
    import tempfile

    from letters.results.scores import RECEIPTS_FILE
    from signing.verify.inputs import extract_zip
    from signing.verify.policy import Limits

    limits = Limits(
        zip_max_files=max_files,
        zip_max_total_mb=max_total_mb,
        run_max_unpacked_mb=max_total_mb,
        zip_max_depth=2,
    )
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vanban-scores-", dir=dest.parent) as tmp:
        items = extract_zip(archive, Path(tmp), archive.name, None, limits)
        placed: dict[str, str] = {}
        for item in items:
            name = item.display.rsplit("/", 1)[-1]
            if item.rejection is not None:
                raise VanbanError(item.rejection.message, hint=item.rejection.action)
            suffix = Path(name).suffix.lower()
            if suffix not in SCORES_ARCHIVE_SUFFIXES or name.startswith(("~$", ".")) or item.path is None:
                continue
            if suffix == ".csv" and name.lower() != RECEIPTS_FILE:
                continue
            if name.lower() in placed:
                raise VanbanError(
                    f"Tệp nén {archive.name} có hai tệp cùng tên «{name}» ({placed[name.lower()]} và "
                    f"{item.display}).",
                    hint="Đổi tên một trong hai tệp, mỗi đơn vị một biểu mẫu, rồi nén lại.",
                )
            placed[name.lower()] = item.display
            shutil.move(item.path, dest / name)
    if not any(p.suffix.lower() == ".xlsx" for p in dest.iterdir()):
        raise VanbanError(
            f"Tệp nén {archive.name} không có biểu mẫu Excel (.xlsx) nào.",
            hint="Nén các biểu mẫu tự đánh giá đã điền (mỗi đơn vị một tệp .xlsx), kèm tiep_nhan.csv nếu có.",
        )
    return dest


@dataclass(frozen=True)
class ResultsDocument:
    """One file a results run wrote, with what it is and whom it is for."""

    kind: Literal["xep_hang", "to_trinh", "quyet_dinh", "thong_bao"]
    label: str
    path: Path
    pdf: Path | None = None  # with `pdf`: the PDF beside it
    unit_id: str = ""  # for a notice: the unit it is sent to
    unit_name: str = ""


def results_documents(outcome: ResultsOutcome) -> list[ResultsDocument]:
    """The ranking files, the Tờ trình, the Quyết định and each unit's notice, in that order."""
    from letters.results.documents import notice_filename

    pdfs = {p.with_suffix(""): p for p in outcome.pdfs}

    def pdf(path: Path) -> Path | None:
        return pdfs.get(path.with_suffix(""))

    files, docs = outcome.files, outcome.files.documents
    found = [
        ResultsDocument("xep_hang", "Bảng xếp hạng (Excel)", files.ranking_xlsx),
        ResultsDocument("xep_hang", "Bảng xếp hạng (CSV)", files.ranking_csv),
        ResultsDocument("to_trinh", "Tờ trình đề nghị công bố kết quả", docs.proposal, pdf(docs.proposal)),
        ResultsDocument(
            "quyet_dinh", "Dự thảo Quyết định công bố kết quả", docs.decision, pdf(docs.decision)
        ),
    ]
    left = list(docs.notices)
    for unit in outcome.results.all_units():
        # Notices are named "<year>-…-<unit id>.docx": the name without its year identifies the unit.
        suffix = notice_filename(0, unit.unit.id)[1:]
        notice = next((p for p in left if p.name.endswith(suffix) and p.name[: -len(suffix)].isdigit()), None)
        if notice is not None:
            left.remove(notice)
            found.append(
                ResultsDocument(
                    "thong_bao",
                    f"Thông báo kết quả: {unit.unit.name}",
                    notice,
                    pdf(notice),
                    unit.unit.id,
                    unit.unit.name,
                )
            )
    found += [ResultsDocument("thong_bao", f"Thông báo kết quả ({p.stem})", p, pdf(p)) for p in left]
    return found
