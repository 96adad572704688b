"""What the results pages and the results job do, through the use cases (letters.usecases.*) only."""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from letters.core.errors import Diagnostic, DiagnosticsError
from letters.core.files import make_dirs
from web.campaigns.models import Campaign
from web.evidence.services import campaign_file, describe_error, hide_paths, in_this_thread
from web.evidence.storage import (
    UploadRefused,
    check_size,
    head_of,
    relative_to_files,
    remove_stored,
    safe_name,
    sha256_of,
    sniff,
    store,
)
from web.jobs.models import JobStatus
from web.jobs.registry import Progress
from web.jobs.runner import enqueue
from web.results.models import RankingEntry, ResultDocument, ResultsRun, ScoresUpload

log = logging.getLogger(__name__)

RESULTS_JOB = "results.run"
RECEIPTS_NAME = "tiep_nhan.csv"


# --------------------------------------------------------------------------- uploads


def _classify(files: list[UploadedFile]) -> tuple[str, list[str]]:
    """The kind of a set of score files and the names to store them under; UploadRefused when it is none."""
    if not files:
        raise UploadRefused("Chưa chọn tệp nào để tải lên.")
    sniffed, heads = [], []
    for f in files:
        check_size(f)
        heads.append(head_of(f))
        sniffed.append(sniff(heads[-1]))
    names = [safe_name(f.name or "") for f in files]
    if len(files) == 1:
        kind, name = sniffed[0], names[0]
        # A .csv that is text in another encoding is taken: the use case names the encoding problem and its fix.
        if kind == "text" or (kind == "other" and name.lower().endswith(".csv") and b"\x00" not in heads[0]):
            return ScoresUpload.Kind.CSV, [safe_name(name, suffix=".csv")]
        if kind in ("office", "zip") and name.lower().endswith(".xlsx"):
            return ScoresUpload.Kind.FORMS, [name]
        if kind == "zip":
            return ScoresUpload.Kind.ZIP, [safe_name(name, suffix=".zip")]
        raise UploadRefused(
            f"Tệp «{name}» không phải tệp CSV, biểu mẫu Excel (.xlsx) hay tệp ZIP các biểu mẫu (xét theo nội dung "
            "tệp), nên không được nhận."
        )
    for kind, name in zip(sniffed, names, strict=True):
        is_form = kind in ("office", "zip") and name.lower().endswith(".xlsx")
        is_receipts = kind == "text" and name.lower() == RECEIPTS_NAME
        if not (is_form or is_receipts):
            raise UploadRefused(
                f"Tệp «{name}» không phải biểu mẫu Excel (.xlsx) đã điền. Khi tải lên nhiều tệp, chỉ nhận các biểu "
                f"mẫu .xlsx và tệp {RECEIPTS_NAME} (ngày nộp, thẩm định); dữ liệu dạng CSV thì tải lên một tệp."
            )
    lowered = [n.lower() for n in names]
    for name in names:
        if lowered.count(name.lower()) > 1:
            raise UploadRefused(f"Có hai tệp cùng tên «{name}» trong lần tải lên này.")
    return ScoresUpload.Kind.FORMS, names


def save_scores(campaign: Campaign, user: Any, files: Iterable[UploadedFile]) -> ScoresUpload:
    """Check the files (all or none are kept), store them byte for byte in a folder of their own."""
    files = list(files)
    kind, names = _classify(files)
    stored: list[Path] = []
    try:
        with transaction.atomic():
            row = ScoresUpload.objects.create(
                agency_id=campaign.agency_id, campaign=campaign, kind=kind, folder="", uploaded_by=user
            )
            folder = campaign.folder / "ket-qua" / "diem" / f"tai-len-{row.pk:05d}"
            listed = []
            for uploaded, name in zip(files, names, strict=True):
                saved = store(uploaded, folder / name)
                stored.append(saved.path)
                listed.append({"name": name, "size": saved.size, "sha256": saved.sha256})
            row.folder = relative_to_files(folder)
            row.files = listed
            row.save(update_fields=["folder", "files"])
    except BaseException:
        remove_stored(stored)
        raise
    return row


def save_example_scores(campaign: Campaign, user: Any) -> ScoresUpload:
    """The campaign's example scores (a CSV, as `vanban example-scores` writes it), kept as an upload."""
    from letters.usecases.results import ExampleScoresRequest, write_example_scores

    path = campaign_file(campaign)
    with transaction.atomic():
        row = ScoresUpload.objects.create(
            agency_id=campaign.agency_id,
            campaign=campaign,
            kind=ScoresUpload.Kind.CSV,
            example=True,
            folder="",
            uploaded_by=user,
        )
        folder = campaign.folder / "ket-qua" / "diem" / f"tai-len-{row.pk:05d}"
        try:
            csv_path = write_example_scores(ExampleScoresRequest(path, folder, forms=False))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        row.folder = relative_to_files(folder)
        row.files = [{"name": csv_path.name, "size": csv_path.stat().st_size, "sha256": sha256_of(csv_path)}]
        row.save(update_fields=["folder", "files"])
    return row


def scores_path(upload: ScoresUpload) -> Path:
    """What the results use case reads: the CSV file, or the folder of forms."""
    if upload.kind == ScoresUpload.Kind.CSV:
        return upload.path / upload.files[0]["name"]
    return upload.path


# --------------------------------------------------------------------------- downloads made on demand


def _cached_zip(campaign: Campaign, name: str, build: Any) -> Path:
    """A ZIP of files a use case writes for the campaign as it is now, made once per version of its file."""
    key = hashlib.sha256(campaign.source.encode("utf-8")).hexdigest()[:16]
    target = campaign.folder / "ket-qua" / "mau" / f"{name}-{key}.zip"
    if target.is_file():
        return target
    make_dirs(target.parent)
    with tempfile.TemporaryDirectory(prefix=".mau-", dir=target.parent) as tmp:
        out = Path(tmp) / "out"
        build(out)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(p for p in out.rglob("*") if p.is_file()):
                zf.write(file, file.relative_to(out).as_posix())
        staged = Path(tmp) / "mau.zip"
        staged.write_bytes(buffer.getvalue())
        staged.replace(target)
    return target


def blank_forms_zip(campaign: Campaign) -> Path:
    from letters.usecases.results import FormsRequest, write_blank_forms

    path = campaign_file(campaign)
    return _cached_zip(campaign, "bieu-mau-trong", lambda out: write_blank_forms(FormsRequest(path, out)))


def example_scores_zip(campaign: Campaign) -> Path:
    from letters.usecases.results import ExampleScoresRequest, write_example_scores

    path = campaign_file(campaign)
    return _cached_zip(
        campaign, "diem-mau", lambda out: write_example_scores(ExampleScoresRequest(path, out, forms=True))
    )


# --------------------------------------------------------------------------- runs


def start_run(campaign: Campaign, user: Any, upload: ScoresUpload, *, pdf: bool = False) -> ResultsRun:
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        last = ResultsRun.objects.filter(campaign=campaign).order_by("-number").first()
        run = ResultsRun.objects.create(
            agency_id=campaign.agency_id,
            campaign=campaign,
            number=(last.number + 1) if last else 1,
            upload=upload,
            pdf=pdf,
            started_by=user,
        )
        run.job = enqueue(
            RESULTS_JOB,
            f"Tổng hợp kết quả, lần {run.number}: {campaign.title}",
            agency_id=campaign.agency_id,
            params={"run_id": run.pk},
            user=user,
        )
        run.save(update_fields=["job"])
    return run


def current_run(campaign: Campaign) -> ResultsRun | None:
    """The run whose ranking and documents stand: the latest that succeeded."""
    return ResultsRun.objects.filter(campaign=campaign, status=JobStatus.DONE).order_by("-number").first()


def _diagnostic(d: Diagnostic, base: Path) -> dict[str, Any]:
    file = d.file or ""
    if file:
        try:
            file = Path(file).resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            file = Path(file).name
    return {
        "severity": str(d.severity),
        "message": hide_paths(d.message),
        "file": file,
        "sheet": d.extra.get("sheet", ""),
        "row": d.line,
        "unit": d.extra.get("unit", ""),
        "code": d.field or "",
    }


def execute_run(run: ResultsRun, progress: Progress) -> dict[str, int]:
    """The job: read the scores, rank, write the documents; keep the ranking and the files' records."""
    from letters.usecases.results import ResultsRequest, ranking_rows, results_documents, run_results

    ResultsRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, error="", diagnostics=[])
    upload = run.upload
    base = upload.path
    out_dir = run.folder / "van-ban"

    progress = in_this_thread(progress)

    def factory(label: str) -> Any:
        progress(0, 0, f"{label}…")  # shown while a step that reports from worker threads runs

        def report(done: int, total: int) -> None:
            progress(done, total, f"{label}: {done}/{total}")

        return report

    try:
        scores = scores_path(upload)
        if upload.kind == ScoresUpload.Kind.ZIP:
            from letters.usecases.results import unpack_scores_archive

            unpacked = run.folder / "diem"
            shutil.rmtree(unpacked, ignore_errors=True)
            progress(0, 0, "Giải nén biểu mẫu")
            scores = unpack_scores_archive(upload.path / upload.files[0]["name"], unpacked)
            base = unpacked
        shutil.rmtree(out_dir, ignore_errors=True)  # this run's own folder, left by an interrupted attempt
        outcome = run_results(
            ResultsRequest(campaign_file(run.campaign), scores, out_dir, pdf=run.pdf, progress=factory)
        )
    except DiagnosticsError as exc:
        found = [_diagnostic(d, base) for d in exc.diagnostics]
        errors = sum(d["severity"] == "error" for d in found)
        ResultsRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED,
            error=f"Dữ liệu điểm có {errors} lỗi cần sửa; chưa lập văn bản nào.",
            diagnostics=found,
            finished_at=timezone.now(),
        )
        raise
    except Exception as exc:
        ResultsRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED, error=describe_error(exc), finished_at=timezone.now()
        )
        raise
    rows = [
        RankingEntry(
            run=run,
            position=n,
            tier_id=r.tier_id,
            tier_name=r.tier_name,
            rank=r.rank,
            tied=r.tied,
            unit_id=r.unit_id,
            unit_name=r.unit_name,
            points=r.points,
            max_points=r.max_points,
            dti=r.dti,
            percent=r.percent,
            band=r.band,
            cchc_points=r.cchc_points,
            status=r.status,
            late=r.late,
            submitted_on=r.submitted_on,
            note=r.note,
        )
        for n, r in enumerate(ranking_rows(outcome.results))
    ]
    documents = [
        ResultDocument(
            run=run,
            position=n,
            kind=d.kind,
            label=d.label,
            unit_name=d.unit_name,
            unit_key=d.unit_id,
            stored_path=relative_to_files(d.path),
            pdf_path=relative_to_files(d.pdf) if d.pdf else "",
            size=d.path.stat().st_size,
            sha256=sha256_of(d.path),
        )
        for n, d in enumerate(results_documents(outcome))
    ]
    with transaction.atomic():
        RankingEntry.objects.filter(run=run).delete()
        ResultDocument.objects.filter(run=run).delete()
        RankingEntry.objects.bulk_create(rows, batch_size=500)
        ResultDocument.objects.bulk_create(documents, batch_size=500)
    try:
        # The Tờ trình, the Quyết định and the notices become documents of the campaign, to be approved, signed
        # and issued as the letters are (not those of a trial on example scores).
        from web.results.online import register_documents

        progress(0, 0, "Đưa văn bản kết quả vào văn bản của đợt đánh giá")
        version = register_documents(run)
    except Exception as exc:
        ResultsRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED,
            error="Đã xếp hạng nhưng không đưa được văn bản kết quả vào văn bản của đợt đánh giá: "
            + describe_error(exc),
            finished_at=timezone.now(),
        )
        raise
    ResultsRun.objects.filter(pk=run.pk).update(
        status=JobStatus.DONE,
        diagnostics=[_diagnostic(d, base) for d in outcome.diagnostics],
        finished_at=timezone.now(),
    )
    return {
        "units": len(rows),
        "documents": len(documents),
        "document_version": version.number if version is not None else 0,
    }
