"""What the evidence pages and the verification job do, through the use cases (letters.usecases.*) only."""

from __future__ import annotations

import logging
import re
import secrets
import shutil
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from letters.core.errors import VanbanError
from letters.core.files import atomic_write_text
from letters.usecases.documents import CampaignUnit, campaign_units
from web.campaigns.models import Campaign
from web.evidence.models import (
    ALL_UNITS,
    EvidencePolicy,
    EvidenceUpload,
    PolicyFile,
    ResubmissionLetter,
    VerificationRun,
    VerifiedFile,
    name_of_policy,
)
from web.evidence.storage import (
    UploadRefused,
    check_size,
    head_of,
    link_or_copy,
    relative_to_files,
    remove_stored,
    safe_name,
    sniff,
    store,
    trust_store_dir,
)
from web.jobs.models import JobStatus
from web.jobs.registry import Progress
from web.jobs.runner import enqueue, from_any_thread

log = logging.getLogger(__name__)

VERIFY_JOB = "evidence.verify"
# The results job still imports the old name from here; progress from helper threads lives in web.jobs.runner.
in_this_thread = from_any_thread
POLICY_FILE_MAX_BYTES = 2 * 1024 * 1024
POLICY_FILE_SUFFIXES = (".crt", ".cer", ".pem", ".der", ".crl", ".p7b", ".p7c", ".ocsp", ".ors")


# --------------------------------------------------------------------------- the campaign


def campaign_file(campaign: Campaign) -> Path:
    """The campaign's YAML file as the use cases read it, written from the database when it is not there."""
    path = campaign.yaml_path
    try:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
    except OSError:
        current = None
    if current != campaign.source:
        campaign.write_yaml()
    return path


@lru_cache(maxsize=64)
def _units(path: str, source: str) -> tuple[CampaignUnit, ...]:
    return tuple(campaign_units(Path(path)))


def units_of(campaign: Campaign) -> list[CampaignUnit]:
    """The campaign's units; DiagnosticsError when its tiers cannot be read."""
    return list(_units(str(campaign_file(campaign)), campaign.source))


def unit_by_key(campaign: Campaign, key: str) -> CampaignUnit | None:
    return next((u for u in units_of(campaign) if u.key == key), None)


# --------------------------------------------------------------------------- uploads


def _kind_of(uploaded: UploadedFile, *, all_units: bool) -> str:
    name = safe_name(uploaded.name or "")
    check_size(uploaded)
    kind = sniff(head_of(uploaded))
    if kind == "office":
        raise UploadRefused(
            f"Tệp «{name}» là tài liệu Word, Excel hoặc OpenDocument, không phải PDF hay ZIP. Tài liệu kiểm chứng "
            "phải là tệp PDF đã ký số."
        )
    if kind not in ("pdf", "zip"):
        raise UploadRefused(
            f"Tệp «{name}» không phải PDF hay ZIP (nội dung tệp không phải PDF, ZIP), nên không được nhận."
        )
    if all_units and kind != "zip":
        raise UploadRefused(
            f"Tệp «{name}» là tệp PDF: khi chọn «Tất cả đơn vị», chỉ nhận tệp ZIP có mỗi thư mục cấp một là "
            "một đơn vị. Hãy chọn đơn vị của tệp PDF này."
        )
    return kind


def save_uploads(
    campaign: Campaign, user: Any, unit: CampaignUnit | None, files: Iterable[UploadedFile]
) -> list[EvidenceUpload]:
    """Check every file, then store them all, or none (the first refusal stops the batch)."""
    files = list(files)
    if not files:
        raise UploadRefused("Chưa chọn tệp nào để tải lên.")
    kinds = [_kind_of(f, all_units=unit is None) for f in files]
    names = [safe_name(f.name or "", suffix=f".{k}") for f, k in zip(files, kinds, strict=True)]
    lowered = [n.lower() for n in names]
    for name in names:
        if lowered.count(name.lower()) > 1:
            raise UploadRefused(f"Có hai tệp cùng tên «{name}» trong lần tải lên này.")
    folder = campaign.folder / "minh-chung" / "tai-len"
    stored = []
    try:
        with transaction.atomic():
            created: list[EvidenceUpload] = []
            for uploaded, kind, name in zip(files, kinds, names, strict=True):
                row = EvidenceUpload.objects.create(
                    agency_id=campaign.agency_id,
                    campaign=campaign,
                    unit_name=unit.name if unit else ALL_UNITS,
                    unit_key=unit.key if unit else "",
                    kind=kind,
                    original_name=name,
                    stored_path="",
                    size=0,
                    sha256="",
                    uploaded_by=user,
                )
                # The stored name carries the row's id and a random part: two uploads never share a file,
                # whatever their names, and a file left by an interrupted upload is never in the way.
                saved = store(uploaded, folder / f"{row.pk:07d}-{secrets.token_hex(4)}.{kind}")
                stored.append(saved.path)
                row.stored_path, row.size, row.sha256 = saved.relative, saved.size, saved.sha256
                row.save(update_fields=["stored_path", "size", "sha256"])
                previous = EvidenceUpload.objects.filter(
                    campaign=campaign, unit_name=row.unit_name, active=True, original_name__iexact=name
                ).exclude(pk=row.pk)
                previous.update(active=False, replaced_by=row)
                created.append(row)
    except BaseException:
        remove_stored(stored)
        raise
    return created


def withdraw_upload(upload: EvidenceUpload) -> None:
    """Leave a file out of later runs; it stays stored, and earlier runs keep it."""
    EvidenceUpload.objects.filter(pk=upload.pk).update(active=False)


# --------------------------------------------------------------------------- the policy


def policy_dir(campaign: Campaign) -> Path:
    """Where the policy's files live; relative names in the policy resolve here."""
    return campaign.folder / "minh-chung" / "chinh-sach"


def policy_of(campaign: Campaign) -> EvidencePolicy | None:
    return EvidencePolicy.objects.filter(campaign=campaign).first()


def check_policy(campaign: Campaign, text: str) -> list[Any]:
    """Every error of the policy text, located by line; none for an empty text (the default policy)."""
    from letters.usecases.evidence import check_policy_text

    if not text.strip():
        return []
    folder = policy_dir(campaign)
    return check_policy_text(text, folder / "chinh-sach.yaml", allowed_dir=folder)


def save_policy(campaign: Campaign, text: str, user: Any) -> EvidencePolicy:
    policy, _ = EvidencePolicy.objects.update_or_create(
        campaign=campaign,
        defaults={"agency_id": campaign.agency_id, "text": text, "updated_by": user},
    )
    return policy


def save_policy_file(campaign: Campaign, user: Any, uploaded: UploadedFile) -> PolicyFile:
    name = safe_name(uploaded.name or "")
    if not name.lower().endswith(POLICY_FILE_SUFFIXES):
        raise UploadRefused(
            f"Tệp «{name}» không phải chứng thư số hoặc danh sách thu hồi: chỉ nhận tệp "
            + ", ".join(POLICY_FILE_SUFFIXES)
            + "."
        )
    if not uploaded.size or uploaded.size > POLICY_FILE_MAX_BYTES:
        raise UploadRefused(
            f"Tệp «{name}» rỗng hoặc lớn hơn 2 MB, không phải chứng thư số hay danh sách thu hồi."
        )
    head = head_of(uploaded)
    # PEM text, or DER (an ASN.1 SEQUENCE): anything else (a script, a page) is refused before it is kept.
    if not (head.startswith(b"-----BEGIN ") or head[:1] == b"\x30"):
        raise UploadRefused(
            f"Tệp «{name}» không phải chứng thư số hay danh sách thu hồi (dạng PEM hoặc DER)."
        )
    if PolicyFile.objects.filter(campaign=campaign, name__iexact=name).exists():
        raise UploadRefused(
            f"Đã có tệp «{name}»; tệp đã tải lên không bị ghi đè. Đặt tên khác (ví dụ thêm ngày vào tên) rồi ghi "
            "tên mới trong chính sách."
        )
    saved = store(uploaded, policy_dir(campaign) / name)
    try:
        return PolicyFile.objects.create(
            agency_id=campaign.agency_id,
            campaign=campaign,
            name=name,
            stored_path=saved.relative,
            size=saved.size,
            sha256=saved.sha256,
            uploaded_by=user,
        )
    except BaseException:
        remove_stored([saved.path])
        raise


# --------------------------------------------------------------------------- runs


def start_run(campaign: Campaign, user: Any) -> VerificationRun:
    """A new run over every file in use, with the policy as it is now; the job does the work."""
    uploads = list(EvidenceUpload.objects.filter(campaign=campaign, active=True))
    if not uploads:
        raise UploadRefused("Chưa có tệp minh chứng nào để kiểm tra: hãy tải lên tệp PDF hoặc ZIP trước.")
    policy = policy_of(campaign)
    text = policy.text if policy is not None else ""
    if check_policy(campaign, text):
        raise UploadRefused(
            "Chính sách kiểm tra đang có lỗi: sửa chính sách (hoặc để trống) rồi kiểm tra lại."
        )
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        last = VerificationRun.objects.filter(campaign=campaign).order_by("-number").first()
        run = VerificationRun.objects.create(
            agency_id=campaign.agency_id,
            campaign=campaign,
            number=(last.number + 1) if last else 1,
            policy_text=text,
            policy_name=name_of_policy(text)[:255],
            started_by=user,
        )
        run.uploads.set(uploads)
        job = enqueue(
            VERIFY_JOB,
            f"Kiểm tra chữ ký số, lần {run.number}: {campaign.title}",
            agency_id=campaign.agency_id,
            params={"run_id": run.pk},
            user=user,
        )
        run.job = job
        run.save(update_fields=["job"])
    return run


def _unit_folder(name: str) -> str:
    return safe_name(name, limit=200)


def execute_run(run: VerificationRun, progress: Progress) -> dict[str, int]:
    """The job: lay out the files (first-level folder = unit), verify them, keep every verdict."""
    VerificationRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, error="")
    try:
        outcome = _verify(run, progress)
    except Exception as exc:
        message = describe_error(exc)
        VerificationRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED, error=message, finished_at=timezone.now()
        )
        raise
    from letters.usecases.evidence import verdict_kind, verdict_text

    results = outcome.run.results
    rows = [
        VerifiedFile(
            run=run,
            position=n,
            unit=r.unit[:255],
            file=r.file[:1000],
            indication=r.indication,
            sub_indication=r.sub_indication or "",
            kind=verdict_kind(r),
            accepted=r.accepted,
            verdict=verdict_text(r)[:500],
            message=r.message,
            action=r.action or "",
            caveats=list(r.caveats),
            signatures=[s.__dict__ for s in r.signatures],
        )
        for n, r in enumerate(results)
    ]
    with transaction.atomic():
        VerifiedFile.objects.filter(run=run).delete()  # a run interrupted and run again starts clean
        VerifiedFile.objects.bulk_create(rows, batch_size=500)
        VerificationRun.objects.filter(pk=run.pk).update(
            status=JobStatus.DONE,
            total_files=len(results),
            accepted_files=sum(r.accepted for r in results),
            seconds=outcome.run.seconds,
            warnings=list(outcome.run.warnings),
            policy_name=name_of_policy(run.policy_text)[:255],
            finished_at=timezone.now(),
        )
    return {"files": len(results), "accepted": sum(r.accepted for r in results)}


def _verify(run: VerificationRun, progress: Progress) -> Any:
    from letters.usecases.evidence import VerifyRequest, verify_evidence

    inputs = run.folder / "dau-vao"
    shutil.rmtree(inputs, ignore_errors=True)
    paths: list[Path] = []
    uploads = list(run.uploads.order_by("unit_name", "original_name", "pk"))
    per_unit = [u for u in uploads if u.unit_name != ALL_UNITS]
    # The verifier names units after the first-level folders: one folder per unit, links to the stored files.
    units_root = inputs / "minh_chung"
    for upload in per_unit:
        link_or_copy(upload.path, units_root / _unit_folder(upload.unit_name) / upload.original_name)
    if per_unit:
        paths.append(units_root)
    for n, upload in enumerate(u for u in uploads if u.unit_name == ALL_UNITS):
        target = inputs / f"tat-ca-{n + 1:03d}" / upload.original_name
        link_or_copy(upload.path, target)
        paths.append(target)  # given directly, its first-level folders are the units
    policy_file = None
    if run.policy_text.strip():
        policy_file = policy_dir(run.campaign) / f"chinh-sach-lan-{run.number:03d}.yaml"
        atomic_write_text(policy_file, run.policy_text, force=True)

    progress = from_any_thread(progress)

    def report(done: int, total: int) -> None:
        progress(done, total, f"Đã kiểm tra {done}/{total} tệp")

    request = VerifyRequest(
        paths=tuple(paths),
        out_dir=run.report_dir,
        policy=policy_file,
        trust_store=trust_store_dir(run.agency_id),
        jobs=settings.VANBAN_VERIFY_JOBS,
        force=True,  # the run's own folder: a run interrupted and run again writes its reports again
        progress=report,
    )
    try:
        return verify_evidence(request)
    finally:
        shutil.rmtree(inputs, ignore_errors=True)


# --------------------------------------------------------------------------- the letter


def make_letter(run: VerificationRun, user: Any, deadline: date | None) -> ResubmissionLetter | None:
    """A new version of the resubmission letter from the run's report; None when every file passed."""
    from letters.usecases.evidence import read_report, write_resubmission_letter

    results = read_report(run.report_dir / "report.json")
    path_of_campaign = campaign_file(run.campaign)
    with transaction.atomic():
        VerificationRun.objects.select_for_update().filter(pk=run.pk).first()
        last = run.letters.order_by("-version").first()
        version = (last.version + 1) if last else 1
        out_dir = run.folder / "cong-van" / f"phien-ban-{version:02d}"
        # A folder left by a version whose row was never written (a crash) is not a record: replaced.
        shutil.rmtree(out_dir, ignore_errors=True)
        letter = write_resubmission_letter(path_of_campaign, results, out_dir, deadline=deadline, force=False)
        if letter is None:
            return None
        try:
            from web.evidence.storage import sha256_of

            return ResubmissionLetter.objects.create(
                run=run,
                version=version,
                stored_path=relative_to_files(letter),
                size=letter.stat().st_size,
                sha256=sha256_of(letter),
                deadline=deadline,
                created_by=user,
            )
        except BaseException:
            shutil.rmtree(out_dir, ignore_errors=True)
            raise


def describe_error(exc: BaseException) -> str:
    """A use-case error as a paragraph for a page: its message and hint, without the data folder's paths."""
    if isinstance(exc, VanbanError):
        text = exc.message + (f"\n{exc.hint}" if exc.hint else "")
    else:
        text = f"Lỗi không mong đợi ({type(exc).__name__})."
    return hide_paths(text)


def hide_paths(text: str) -> str:
    """Files inside the data folder by their names alone: its folders mean nothing to a user (and say how the
    server is laid out)."""
    for root in {str(Path(settings.FILES_DIR)), str(Path(settings.FILES_DIR).resolve())}:
        text = re.sub(re.escape(root) + r"/(?:[^/\s«»:]+/)*", "", text)
    return text
