"""Jobs of signing and issuance: check a signed draft, sign on the server, issue (number, date, seal) and sign
the attachments. Each calls the use cases only, and keeps what it produced byte for byte, read-only."""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from letters.core.errors import VanbanError
from web.audit.log import record
from web.documents.models import DocumentKind
from web.issuance.models import (
    CheckStatus,
    Draft,
    DraftStatus,
    IssuedAttachment,
    IssuedDocument,
    SignedDraft,
    relative_path,
)
from web.issuance.services import (
    CHECK_JOB,
    ISSUE_JOB,
    SIGN_JOB,
    accepted_signature,
    issued_refusal,
    make_read_only,
    register_path,
    settings_for,
    sha256_file,
    trust_for,
)
from web.jobs.registry import Progress, job_kind

log = logging.getLogger(__name__)


def plain(text: str) -> str:
    """A use case's message without the data folder's paths: a file is named by its name."""
    root = re.escape(str(Path(settings.FILES_DIR).resolve()))
    return re.sub(root + r"/[^\s()«»,;]*[^\s()«»,;.]", lambda m: Path(m.group(0)).name, text)


def _failure(exc: VanbanError) -> VanbanError:
    return VanbanError(plain(str(exc)))


# --------------------------------------------------------------------------- checking a signed draft


@job_kind(CHECK_JOB)
def check_signed(job: Any, progress: Progress) -> dict[str, Any]:
    signed = SignedDraft.objects.select_related("draft").get(pk=job.params["signed_id"])
    progress(0, 1, "Đang kiểm tra chữ ký số và đối chiếu với bản dự thảo đã duyệt")
    outcome = _check(signed, job.created_by)
    progress(1, 1, "Đã kiểm tra")
    return outcome


def _check(signed: SignedDraft, user: Any) -> dict[str, Any]:
    from letters.usecases.approval import SignedDraftRequest, check_signed_draft

    draft = signed.draft
    trust, store = trust_for(draft.agency_id)
    try:
        if sha256_file(draft.pdf) != draft.pdf_sha256:
            raise VanbanError(
                "Tệp PDF của bản dự thảo đã duyệt không còn như khi duyệt; không đối chiếu được."
            )
        result = check_signed_draft(
            SignedDraftRequest(
                draft=draft.pdf,
                signed=signed.path,
                signer_name=draft.signer_name,
                report_dir=draft.folder / f"kiem-tra-{signed.pk}",
                trust=trust,
                trust_store=store,
            )
        )
        accepted, problems = result.accepted, result.problems
        verdict, signer, when = result.verdict, result.signer or "", result.signing_time or ""
    except VanbanError as exc:
        accepted, problems, verdict, signer, when = False, [plain(str(exc))], "", "", ""
    status = CheckStatus.ACCEPTED if accepted else CheckStatus.REFUSED
    with transaction.atomic():
        SignedDraft.objects.filter(pk=signed.pk).update(
            status=status,
            problems=problems,
            verdict=verdict[:500],
            signer=signer[:255],
            signing_time=when[:64],
        )
        if accepted:
            Draft.objects.filter(pk=draft.pk, status=DraftStatus.APPROVED).update(status=DraftStatus.SIGNED)
        record(
            "kiem_tra_ban_ky",
            signed,
            user=user,
            after={"ket_qua": "Hợp lệ" if accepted else "Bị từ chối", "ly_do": problems, "nguoi_ky": signer},
        )
    return {"accepted": accepted, "problems": problems}


# --------------------------------------------------------------------------- signing on the server


@job_kind(SIGN_JOB)
def sign_on_server(job: Any, progress: Progress) -> dict[str, Any]:
    from letters.usecases.signing import Level, Role, SignDocumentsRequest, sign_documents

    signed = SignedDraft.objects.select_related("draft", "key").get(pk=job.params["signed_id"])
    draft, key = signed.draft, signed.key
    assert key is not None
    conf = settings_for(draft.agency_id)
    trust, _ = trust_for(draft.agency_id)
    out = draft.folder / "ky-duyet" / f"may-chu-{signed.pk}.pdf"
    progress(0, 1, f"Đang ký bằng khoá «{key.name}»")
    try:
        if sha256_file(draft.pdf) != draft.pdf_sha256:
            raise VanbanError("Tệp PDF của bản dự thảo đã duyệt không còn như khi duyệt; không ký.")
        image = key.image
        if image is None:
            raise VanbanError(
                f"Khoá «{key.name}» chưa có ảnh chữ ký: quản trị tải ảnh chữ ký lên ở trang cấu hình ký số."
            )
        out.unlink(missing_ok=True)  # left by an interrupted run of this same job, never referenced
        sign_documents(
            SignDocumentsRequest(
                files=((draft.pdf, out),),
                key=key.spec(),
                role=Role.SIGNER,
                level=Level(conf.level),
                tsa_url=conf.tsa_url or None,
                trust_roots=trust,
                image=image,
                signer_name=draft.signer_name or None,
            )
        )
    except VanbanError as exc:
        failure = _failure(exc)
        SignedDraft.objects.filter(pk=signed.pk).update(status=CheckStatus.REFUSED, problems=[str(failure)])
        record("ky_tren_may_chu_loi", signed, user=job.created_by, note=str(failure))
        raise failure from exc
    make_read_only(out)
    SignedDraft.objects.filter(pk=signed.pk).update(
        stored_path=relative_path(out), size=out.stat().st_size, sha256=sha256_file(out)
    )
    signed.refresh_from_db()
    progress(1, 2, "Đã ký; đang kiểm tra bản đã ký")
    outcome = _check(signed, job.created_by)
    progress(2, 2, "Đã ký và kiểm tra")
    return outcome


# --------------------------------------------------------------------------- issuing


@job_kind(ISSUE_JOB)
def issue(job: Any, progress: Progress) -> dict[str, Any]:
    draft = Draft.objects.select_related("document__version", "agency").get(pk=job.params["draft_id"])
    on = date.fromisoformat(job.params["issue_date"])
    issued = IssuedDocument.objects.filter(draft=draft).first()
    if issued is None:
        issued = _issue(draft, on, job, progress)
    elif issued.attachments_done:
        raise VanbanError(issued_refusal(issued))
    _sign_attachments(issued, job, progress)
    return {"reference": issued.reference, "date": issued.issue_date.isoformat()}


def _agency_key(draft: Draft) -> Any:
    conf = settings_for(draft.agency_id)
    if conf.agency_key is None or not conf.agency_key.active:
        raise VanbanError("Quản trị chưa cấu hình khoá ký số của cơ quan; chưa ban hành được.")
    return conf, conf.agency_key.spec()


def _issue(draft: Draft, on: date, job: Any, progress: Progress) -> IssuedDocument:
    from letters.usecases.signing import IssueDocumentRequest, Level, issue_document

    # Claimed by a state change, so two issue jobs of one draft never both reach the register.
    if not Draft.objects.filter(pk=draft.pk, status=DraftStatus.SIGNED).update(status=DraftStatus.ISSUING):
        draft.refresh_from_db()
        raise VanbanError(
            f"Dự thảo đang ở trạng thái «{draft.get_status_display()}»: chỉ ban hành bản đã ký và kiểm tra hợp lệ."
        )
    try:
        signed = accepted_signature(draft)
        if signed is None:
            raise VanbanError("Chưa có bản đã ký hợp lệ của dự thảo này.")
        conf, key = _agency_key(draft)
        seal = conf.seal
        if seal is None:
            raise VanbanError("Quản trị chưa cấu hình ảnh con dấu của cơ quan; chưa ban hành được.")
        base = draft.pdf.stem.removesuffix("-du-thao") or draft.pdf.stem
        out = draft.folder / "ban-hanh" / f"lan-{str(job.pk)[:8]}" / f"{base}.ban-hanh.pdf"
        progress(0, 1, "Đang lấy số, điền ngày và ký số của cơ quan")
        result = issue_document(
            IssueDocumentRequest(
                signed_draft=signed.path,
                output=out,
                key=key,
                doc_type=draft.doc_type,
                agency=draft.agency.abbreviation,
                issue_date=on,
                register=register_path(draft.agency_id),
                level=Level(conf.level),
                tsa_url=conf.tsa_url or None,
                trust_roots=conf.trust,
                seal=seal,
            )
        )
    except BaseException as exc:
        Draft.objects.filter(pk=draft.pk, status=DraftStatus.ISSUING).update(status=DraftStatus.SIGNED)
        if isinstance(exc, VanbanError):
            failure = _failure(exc)
            record("ban_hanh_loi", draft, user=job.created_by, note=str(failure))
            raise failure from exc
        raise
    make_read_only(out)
    number = int(result.reference.split("/", 1)[0])
    with transaction.atomic():
        issued = IssuedDocument.objects.create(
            agency_id=draft.agency_id,
            draft=draft,
            signed_draft=signed,
            number=number,
            reference=result.reference,
            issue_date=on,
            date_text=result.date_text,
            agency_signing_time=result.agency_signing_time_iso,
            stored_path=relative_path(out),
            original_name=out.name,
            size=out.stat().st_size,
            sha256=sha256_file(out),
            job_id=job.pk,
            issued_by=job.created_by,
        )
        Draft.objects.filter(pk=draft.pk).update(status=DraftStatus.ISSUED)
        record(
            "ban_hanh",
            issued,
            user=job.created_by,
            after={"so": issued.reference, "ngay": on.isoformat(), "sha256": issued.sha256},
        )
    return issued


def _sign_attachments(issued: IssuedDocument, job: Any, progress: Progress) -> None:
    """The campaign's forms and guides of the same version, signed by the agency in the corner of page 1 with
    the issued document's number (NĐ 30: attachments in their own files)."""
    from letters.usecases.signing import Level, Role, SignDocumentsRequest, sign_documents

    draft = issued.draft
    version = draft.document.version
    todo = []
    if draft.document.kind == version.annex_host:
        done = set(issued.attachments.values_list("document_id", flat=True))
        todo = [
            d
            for d in version.documents.filter(kind=DocumentKind.ANNEX).exclude(pdf_path="")
            if d.pk not in done
        ]
    if todo:
        conf, key = _agency_key(draft)
        folder = issued.path.parent / "phu-luc"
        pairs = []
        for document in todo:
            pdf = document.pdf_file
            assert pdf is not None
            if sha256_file(pdf) != document.pdf_sha256:
                raise VanbanError(f"Tệp PDF của «{document.label}» không còn như khi tạo; không ký số.")
            target = folder / f"{pdf.stem}.ban-hanh.pdf"
            target.unlink(missing_ok=True)  # left by an interrupted run, never recorded
            pairs.append((pdf, target))
        progress(0, len(pairs), "Đang ký số các biểu mẫu, phụ lục kèm theo")
        try:
            sign_documents(
                SignDocumentsRequest(
                    files=tuple(pairs),
                    key=key,
                    role=Role.ATTACHMENT,
                    level=Level(conf.level),
                    tsa_url=conf.tsa_url or None,
                    trust_roots=conf.trust,
                    reference=issued.reference,
                    workers=1,  # no fork of a server process that runs other threads; a few files sign fast
                    progress=lambda n, total: progress(n, total, f"Đã ký số {n}/{total} biểu mẫu, phụ lục"),
                )
            )
        except VanbanError as exc:
            failure = _failure(exc)
            record("ky_phu_luc_loi", issued, user=job.created_by, note=str(failure))
            raise failure from exc
        with transaction.atomic():
            for document, (_, target) in zip(todo, pairs, strict=True):
                make_read_only(target)
                IssuedAttachment.objects.create(
                    agency_id=issued.agency_id,
                    issued=issued,
                    document=document,
                    label=document.label,
                    stored_path=relative_path(target),
                    original_name=target.name,
                    size=target.stat().st_size,
                    sha256=sha256_file(target),
                )
            record("ky_phu_luc", issued, user=job.created_by, after={"so_phu_luc": len(pairs)})
    IssuedDocument.objects.filter(pk=issued.pk).update(attachments_done=True)
