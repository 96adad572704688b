"""What the issuance pages and jobs do: submit, approve or return, receive a signed draft, sign on the server,
issue. Each step checks the draft's state, writes its audit event and, for the slow ones, starts a job."""

from __future__ import annotations

import hashlib
import os
import stat
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from letters.core.files import file_mode, make_dirs
from web.audit.log import record
from web.documents.models import Document, DocumentVersion, VersionStatus
from web.issuance.models import (
    OPEN_STATUSES,
    CheckStatus,
    Draft,
    DraftStatus,
    IssuanceSettings,
    IssuedDocument,
    SignedDraft,
    SigningKey,
    relative_path,
)
from web.jobs.runner import enqueue

CHECK_JOB = "issuance.check"
SIGN_JOB = "issuance.sign"
ISSUE_JOB = "issuance.issue"
MAX_SIGNED_MB = 100


class Refused(Exception):
    """A step that may not be taken now; the message says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


def make_read_only(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    os.chmod(path, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def agency_dir(agency_id: int) -> Path:
    return Path(settings.FILES_DIR) / f"agency-{agency_id}"


def register_path(agency_id: int) -> Path:
    """One number register (sổ đăng ký văn bản đi) per agency, shared by every campaign and by the CLI."""
    from letters.usecases.signing import DEFAULT_REGISTER

    return agency_dir(agency_id) / DEFAULT_REGISTER


def settings_for(agency_id: int) -> IssuanceSettings:
    found, _ = IssuanceSettings.objects.get_or_create(agency_id=agency_id)
    return found


def trust_for(agency_id: int) -> tuple[tuple[Path, ...], Path]:
    """Roots trusted for the leaders' signatures: the issuance settings' own and the agency's trust store
    (the one the evidence checks use)."""
    from web.evidence.storage import trust_store_dir

    return settings_for(agency_id).trust, trust_store_dir(agency_id)


def latest_version(document: Document) -> DocumentVersion | None:
    return (
        DocumentVersion.objects.filter(campaign_id=document.version.campaign_id, status=VersionStatus.READY)
        .order_by("-number")
        .first()
    )


# --------------------------------------------------------------------------- submit, approve, return


def submit(document: Document, user: Any, note: str = "") -> Draft:
    if not document.issuable:
        raise Refused(
            "Chỉ Kế hoạch và công văn được trình ký; biểu mẫu, phụ lục ban hành kèm theo văn bản chính."
        )
    latest = latest_version(document)
    if latest is None or latest.pk != document.version_id:
        raise Refused(
            f"Văn bản thuộc phiên bản {document.version.number}, không phải phiên bản mới nhất"
            f"{f' ({latest.number})' if latest else ''}: chỉ trình ký văn bản của phiên bản mới nhất."
        )
    pdf = document.pdf_file
    if pdf is None or not pdf.is_file() or sha256_file(pdf) != document.pdf_sha256:
        raise Refused("Tệp PDF của văn bản không còn như khi tạo; hãy tạo lại văn bản rồi trình ký.")
    with transaction.atomic():
        open_draft = Draft.objects.filter(document=document, status__in=OPEN_STATUSES).first()
        if open_draft is not None:
            raise Refused(f"Văn bản này đã được trình ký ({open_draft.get_status_display().lower()}).")
        draft = Draft.objects.create(
            agency_id=document.agency_id,
            campaign_id=document.version.campaign_id,
            document=document,
            doc_type=document.doc_type,
            signer_name=document.signer,
            pdf_sha256=document.pdf_sha256,
            note=note,
            submitted_by=user,
        )
        record("trinh_ky", draft, user=user, after={"sha256": draft.pdf_sha256, "ghi_chu": note})
    return draft


def approve(draft: Draft, user: Any) -> None:
    if draft.status != DraftStatus.SUBMITTED:
        raise Refused(f"Dự thảo đang ở trạng thái «{draft.get_status_display()}», không duyệt được.")
    if sha256_file(draft.pdf) != draft.pdf_sha256:
        raise Refused("Tệp PDF của dự thảo đã khác khi trình; không duyệt được. Hãy trình ký lại.")
    _decide(draft, user, DraftStatus.APPROVED, "", "duyet")


def return_draft(draft: Draft, user: Any, comment: str) -> None:
    if draft.status != DraftStatus.SUBMITTED:
        raise Refused(f"Dự thảo đang ở trạng thái «{draft.get_status_display()}», không trả lại được.")
    if not comment.strip():
        raise Refused("Ghi ý kiến để chuyên viên biết cần sửa gì.")
    _decide(draft, user, DraftStatus.RETURNED, comment.strip(), "tra_lai")


def _decide(draft: Draft, user: Any, status: str, comment: str, action: str) -> None:
    with transaction.atomic():
        changed = Draft.objects.filter(pk=draft.pk, status=DraftStatus.SUBMITTED).update(
            status=status, decided_by=user, decided_at=timezone.now(), comment=comment
        )
        if not changed:
            raise Refused("Dự thảo vừa được người khác xử lý; tải lại trang.")
        record(
            action,
            draft,
            user=user,
            before={"trang_thai": draft.status},
            after={"trang_thai": status, "y_kien": comment},
        )
    draft.refresh_from_db()


# --------------------------------------------------------------------------- signed drafts


def _can_receive_signature(draft: Draft) -> None:
    if draft.status not in (DraftStatus.APPROVED, DraftStatus.SIGNED):
        raise Refused(
            f"Dự thảo đang ở trạng thái «{draft.get_status_display()}»: chỉ nhận bản đã ký của dự thảo đã duyệt, "
            "chưa ban hành."
        )


def receive_upload(draft: Draft, uploaded: UploadedFile, user: Any) -> SignedDraft:
    """Store the signed PDF byte for byte (refused uploads too: the record shows what was tried), then check it
    in a job."""
    from web.evidence.storage import UploadRefused, head_of, safe_name, sniff, store

    _can_receive_signature(draft)
    name = safe_name(uploaded.name or "ban-ky.pdf", suffix=".pdf")
    if not uploaded.size:
        raise Refused(f"Tệp «{name}» rỗng (0 byte).")
    if uploaded.size > MAX_SIGNED_MB * 1024 * 1024:
        raise Refused(f"Tệp «{name}» vượt giới hạn {MAX_SIGNED_MB} MB cho một văn bản đã ký.")
    if sniff(head_of(uploaded)) != "pdf":
        raise Refused(f"Tệp «{name}» không phải tệp PDF.")
    target = draft.folder / "ky-duyet" / f"{uuid.uuid4().hex[:12]}.pdf"
    try:
        stored = store(uploaded, target)
    except UploadRefused as exc:
        raise Refused(exc.message) from exc
    with transaction.atomic():
        signed = SignedDraft.objects.create(
            agency_id=draft.agency_id,
            draft=draft,
            source=SignedDraft.Source.UPLOAD,
            original_name=name,
            stored_path=relative_path(stored.path),
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by=user,
        )
        signed.job = enqueue(
            CHECK_JOB,
            f"Kiểm tra bản đã ký: {draft}",
            agency_id=draft.agency_id,
            params={"signed_id": signed.pk},
            user=user,
        )
        signed.save(update_fields=["job"])
        record("tai_len_ban_ky", signed, user=user, after={"sha256": stored.sha256, "ten_tep": name})
    return signed


def keys_for(user: Any, agency_id: int) -> list[SigningKey]:
    """Server-side keys this leader may sign with: active signer keys that are theirs or nobody's in particular."""
    from django.db.models import Q

    return list(
        SigningKey.objects.filter(agency_id=agency_id, purpose=SigningKey.Purpose.SIGNER, active=True).filter(
            Q(owner=user) | Q(owner__isnull=True)
        )
    )


def sign_on_server(draft: Draft, key: SigningKey, user: Any) -> SignedDraft:
    _can_receive_signature(draft)
    if key not in keys_for(user, draft.agency_id):
        raise Refused("Bạn không được dùng khoá này.")
    with transaction.atomic():
        signed = SignedDraft.objects.create(
            agency_id=draft.agency_id,
            draft=draft,
            source=SignedDraft.Source.SERVER,
            key=key,
            original_name=f"{draft.pdf.stem}.ky-duyet.pdf",
            uploaded_by=user,
        )
        signed.job = enqueue(
            SIGN_JOB,
            f"Ký trên máy chủ: {draft}",
            agency_id=draft.agency_id,
            params={"signed_id": signed.pk},
            user=user,
        )
        signed.save(update_fields=["job"])
        record("ky_tren_may_chu", signed, user=user, after={"khoa": key.name})
    return signed


# --------------------------------------------------------------------------- issue


def issued_refusal(issued: IssuedDocument) -> str:
    return (
        f"Văn bản này đã được ban hành: số {issued.reference}, ngày {issued.issue_date:%d/%m/%Y}. "
        "Mỗi văn bản chỉ được cấp một số (Nghị định 30/2020/NĐ-CP); bản đã ban hành không được sửa hay cấp lại."
    )


def accepted_signature(draft: Draft) -> SignedDraft | None:
    return draft.signed.filter(status=CheckStatus.ACCEPTED).order_by("-uploaded_at", "-id").first()


def start_issue(draft: Draft, user: Any, on: date) -> Any:
    issued = IssuedDocument.objects.filter(draft=draft).first()
    if issued is not None and issued.attachments_done:
        raise Refused(issued_refusal(issued))
    if issued is None:
        if draft.status != DraftStatus.SIGNED or accepted_signature(draft) is None:
            raise Refused(
                f"Dự thảo đang ở trạng thái «{draft.get_status_display()}»: chỉ ban hành bản đã được lãnh đạo ký "
                "và đã kiểm tra hợp lệ."
            )
        conf = settings_for(draft.agency_id)
        missing = []
        if conf.agency_key is None or not conf.agency_key.active:
            missing.append("khoá ký số của cơ quan")
        if not conf.seal_path:
            missing.append("ảnh con dấu")
        if missing:
            raise Refused(f"Quản trị chưa cấu hình {' và '.join(missing)}; chưa ban hành được.")
    with transaction.atomic():
        job = enqueue(
            ISSUE_JOB,
            f"Ban hành: {draft}",
            agency_id=draft.agency_id,
            params={"draft_id": draft.pk, "issue_date": on.isoformat()},
            user=user,
        )
        record("ban_hanh_yeu_cau", draft, user=user, after={"ngay": on.isoformat()})
    return job


def store_configuration_file(
    agency_id: int, folder: str, data: bytes, suffix: str, *, secret: bool = False
) -> tuple[str, str]:
    """A key file, a seal, a signature image or a certificate, stored byte for byte under a new name; returns
    (relative path, SHA-256)."""
    sha = hashlib.sha256(data).hexdigest()
    target = agency_dir(agency_id) / folder / f"{uuid.uuid4().hex[:12]}{suffix}"
    make_dirs(target.parent)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if secret else file_mode())
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    make_read_only(target)
    return relative_path(target), sha
