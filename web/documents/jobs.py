"""The render job: every document of a campaign into a new version folder, with PDFs and page images."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from letters.core.errors import Diagnostic, DiagnosticsError, Severity, VanbanError
from web.audit.log import record
from web.documents.models import Document, DocumentKind, DocumentVersion, VersionStatus
from web.jobs.registry import Progress, job_kind
from web.jobs.runner import from_any_thread

log = logging.getLogger(__name__)

PREVIEW_DPI = 70
_KINDS = {"ke_hoach": DocumentKind.KE_HOACH, "cong_van": DocumentKind.CONG_VAN}


def diagnostic_text(diagnostic: Diagnostic) -> str:
    """A finding as the web shows it: the line and field of the campaign file, not the data folder's paths."""
    where = [f"dòng {diagnostic.line}"] if diagnostic.line else []
    if diagnostic.field:
        where.append(f"trường «{diagnostic.field}»")
    return (", ".join(where) + ": " if where else "") + diagnostic.message


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


@job_kind("documents.render")
def render_version(job: Any, progress: Progress) -> dict[str, Any]:
    version = DocumentVersion.objects.select_related("campaign").get(pk=job.params["version_id"])
    DocumentVersion.objects.filter(pk=version.pk).update(status=VersionStatus.RENDERING)
    progress = from_any_thread(progress)
    try:
        try:
            result = _render(version, progress)
        except DiagnosticsError as exc:
            errors = [d for d in exc.diagnostics if d.severity is Severity.ERROR]
            raise VanbanError(
                f"Hồ sơ chiến dịch có {len(errors)} lỗi cần sửa trước khi tạo văn bản:\n"
                + "\n".join(f"- {diagnostic_text(d)}" for d in errors)
            ) from exc
    except BaseException as exc:
        message = str(exc) if isinstance(exc, VanbanError) else "Lỗi không mong đợi khi tạo văn bản."
        DocumentVersion.objects.filter(pk=version.pk).update(
            status=VersionStatus.FAILED, error=message, finished_at=timezone.now()
        )
        raise
    record(
        "tao_van_ban_xong",
        version,
        user=job.created_by,
        after={"phien_ban": version.number, "so_van_ban": result["documents"]},
    )
    return result


def _render(version: DocumentVersion, progress: Progress) -> dict[str, Any]:
    from letters.core.files import atomic_write_text
    from letters.usecases.documents import ANNEX_DIR, RenderRequest, preview_pages, render_campaign

    campaign = version.campaign
    if version.folder.exists():  # a run interrupted after writing: nothing refers to its files yet
        import shutil

        shutil.rmtree(version.folder)
    # The campaign file as it was when the user asked, beside the campaign's own file so that its relative
    # paths (indicator sets, templates) resolve the same way.
    snapshot = campaign.folder / f".van-ban-v{version.number}.yaml"
    atomic_write_text(snapshot, version.source, force=True)
    progress(0, 0, "Đang soạn văn bản Word, Excel")
    try:
        rendered = render_campaign(
            RenderRequest(
                snapshot,
                version.folder,
                pdf=True,
                progress=lambda done, total: progress(done, total, f"Đã chuyển {done}/{total} tệp sang PDF"),
            )
        )
    finally:
        snapshot.unlink(missing_ok=True)
    atomic_write_text(version.folder / "ho-so-chien-dich.yaml", version.source, force=True)
    pdfs = {p.path.with_suffix("") for p in rendered.pdfs}
    documents: list[Document] = []
    files = rendered.documents
    for order, output in enumerate(files):
        pdf = output.path.with_suffix(".pdf") if output.path.with_suffix("") in pdfs else None
        pages = 0
        if pdf is not None:
            progress(order, len(files), f"Tạo ảnh xem trước: {output.label}")
            stem = output.path.stem
            pages = len(preview_pages(pdf, version.folder / "xem-truoc" / stem, dpi=PREVIEW_DPI))
        kind = _KINDS.get(output.kind) or DocumentKind.ANNEX
        if output.path.parent.name != ANNEX_DIR and kind is DocumentKind.ANNEX:
            log.warning("unexpected document %s outside %s", output.path, ANNEX_DIR)
        documents.append(
            Document(
                agency_id=version.agency_id,
                version=version,
                order=order,
                kind=kind,
                label=output.label,
                office_path=output.path.relative_to(version.folder).as_posix(),
                office_sha256=sha256_file(output.path),
                office_size=output.path.stat().st_size,
                pdf_path=pdf.relative_to(version.folder).as_posix() if pdf else "",
                pdf_sha256=sha256_file(pdf) if pdf else "",
                pdf_size=pdf.stat().st_size if pdf else None,
                pages=pages,
            )
        )
    # Letters first, then forms and guides, each group in the use case's order.
    documents.sort(key=lambda d: (d.kind == DocumentKind.ANNEX, d.order))
    for order, document in enumerate(documents):
        document.order = order
    with transaction.atomic():
        Document.objects.bulk_create(documents)
        DocumentVersion.objects.filter(pk=version.pk).update(
            status=VersionStatus.READY,
            signer_name=rendered.campaign.signer.name,
            annex_host=rendered.campaign.annex_host().value,
            warnings=[diagnostic_text(w) for w in rendered.warnings],
            finished_at=timezone.now(),
        )
    progress(len(files), len(files), "Đã tạo xong")
    return {"version": version.number, "documents": len(documents)}
