"""A campaign's documents: render them as a job, list and preview the latest version, download each file or
all as one ZIP, look back at older versions. Every view and download of a document is audited (NĐ 30,
Phụ lục VI: the history of who read a document)."""

from __future__ import annotations

import tempfile
import zipfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from web.accounts.roles import agency_of
from web.audit.log import record
from web.campaigns.models import Campaign
from web.documents.models import Document, DocumentVersion, VersionStatus
from web.jobs.runner import enqueue

ACTIVE = (VersionStatus.QUEUED, VersionStatus.RENDERING)
FORMATS = {"docx", "xlsx", "pdf"}


def campaign_for(request: HttpRequest, campaign_id: int, perm: str = "vanban.view_documents") -> Campaign:
    """The campaign if it is the user's agency's (else 404) and the user may act on it (else 403)."""
    campaign = Campaign.objects.filter(pk=campaign_id, agency_id=agency_of(request.user)).first()
    if campaign is None:
        raise Http404("Không có đợt đánh giá này.")
    if not request.user.has_perm(perm, campaign):
        raise PermissionDenied("Bạn không có quyền thực hiện thao tác này.")
    return campaign


def document_for(request: HttpRequest, document_id: int) -> Document:
    document = (
        Document.objects.select_related("version__campaign")
        .filter(pk=document_id, agency_id=agency_of(request.user), version__status=VersionStatus.READY)
        .first()
    )
    if document is None:
        raise Http404("Không có văn bản này.")
    if not request.user.has_perm("vanban.view_documents", document):
        raise PermissionDenied("Bạn không có quyền xem văn bản này.")
    return document


@login_required
@require_GET
def index(request: HttpRequest, campaign_id: int, number: int | None = None) -> HttpResponse:
    campaign = campaign_for(request, campaign_id)
    versions = list(campaign.document_versions.select_related("created_by__profile", "job"))
    ready = [v for v in versions if v.ready]
    if number is not None:
        current = next((v for v in ready if v.number == number), None)
        if current is None:
            raise Http404("Không có phiên bản này.")
    else:
        current = ready[0] if ready else None
    active = next((v for v in versions if v.status in ACTIVE), None)
    failed = versions[0] if versions and versions[0].status == VersionStatus.FAILED else None
    documents = list(current.documents.all()) if current else []
    preview = None
    if (wanted := request.GET.get("xem")) and wanted.isdigit():
        preview = next((d for d in documents if d.pk == int(wanted)), None)
        if preview is None:
            raise Http404("Không có văn bản này trong phiên bản đang xem.")
        record("xem_van_ban", preview, note=f"phiên bản {current.number if current else ''}")
    drafts = _drafts(documents)
    for document in documents:
        document.latest_draft = drafts.get(document.pk)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "campaign": campaign,
        "versions": versions,
        "current": current,
        "latest": ready[0] if ready else None,
        "active": active,
        "failed": failed,
        "documents": documents,
        "preview": preview,
        "preview_pages": range(1, preview.pages + 1) if preview else [],
        "can_render": request.user.has_perm("vanban.render_documents", campaign),
        "can_submit": request.user.has_perm("vanban.submit_document", campaign),
    }
    return render(request, "documents/index.html", context)


def _drafts(documents: list[Document]) -> dict[int, Any]:
    """The latest submission of each document, shown beside it."""
    from web.issuance.models import Draft

    latest: dict[int, Any] = {}
    for draft in Draft.objects.filter(document__in=documents).order_by("submitted_at"):
        latest[draft.document_id] = draft
    return latest


@login_required
@require_POST
def render_documents(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, "vanban.render_documents")
    active = campaign.document_versions.filter(status__in=ACTIVE).first()
    if active is not None:
        messages.error(request, f"Đang tạo văn bản phiên bản {active.number}; chờ xong rồi tạo lại.")
        return redirect("documents:index", campaign.pk)
    import hashlib

    try:
        with transaction.atomic():
            number = (campaign.document_versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = DocumentVersion.objects.create(
                agency_id=campaign.agency_id,
                campaign=campaign,
                number=number,
                source=campaign.source,
                source_sha256=hashlib.sha256(campaign.source.encode("utf-8")).hexdigest(),
                created_by=request.user,
            )
            version.job = enqueue(
                "documents.render",
                f"Tạo văn bản phiên bản {number}: {campaign.title}",
                agency_id=campaign.agency_id,
                params={"version_id": version.pk},
                user=request.user,
            )
            version.save(update_fields=["job"])
            record("tao_van_ban", version, after={"phien_ban": number})
    except IntegrityError:  # two clicks at once: the other one took the number
        messages.error(request, "Đang tạo văn bản; chờ xong rồi tạo lại.")
        return redirect("documents:index", campaign.pk)
    messages.success(request, f"Đã bắt đầu tạo văn bản phiên bản {number}.")
    return redirect("documents:index", campaign.pk)


@login_required
@require_GET
def panel(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The render job's progress, polled by htmx; once the job ends the page reloads to show its outcome."""
    campaign = campaign_for(request, campaign_id)
    version = campaign.document_versions.select_related("job").first()
    if version is None or version.status not in ACTIVE:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "documents/_panel.html", {"campaign": campaign, "active": version})


@login_required
@require_GET
def download(request: HttpRequest, document_id: int, fmt: str) -> FileResponse:
    document = document_for(request, document_id)
    if fmt == "pdf":
        path = document.pdf_file
    elif fmt == document.office_format:
        path = document.office_file
    else:
        path = None
    if fmt not in FORMATS or path is None or not path.is_file():
        raise Http404("Không có tệp này.")
    record("tai_van_ban", document, note=f"{fmt.upper()}, phiên bản {document.version.number}")
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)  # noqa: SIM115
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def page_image(request: HttpRequest, document_id: int, page: int) -> FileResponse:
    """One page of a preview. The page that shows the images records the view; the images themselves are
    only checked, or every preview would write one audit event per page."""
    document = document_for(request, document_id)
    if not 1 <= page <= document.pages:
        raise Http404("Không có trang này.")
    path = document.page_image(page)
    if not path.is_file():
        raise Http404("Không có ảnh trang này.")
    response = FileResponse(open(path, "rb"), content_type="image/png")  # noqa: SIM115
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "sandbox"
    return response


@login_required
@require_GET
def download_zip(request: HttpRequest, campaign_id: int, number: int) -> FileResponse:
    campaign = campaign_for(request, campaign_id)
    version = campaign.document_versions.filter(number=number, status=VersionStatus.READY).first()
    if version is None:
        raise Http404("Không có phiên bản này.")
    base = f"{campaign.slug}-van-ban-v{version.number}"
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in version.documents.all():
            for path in (document.office_file, document.pdf_file):
                if path is not None and path.is_file():
                    archive.write(path, f"{base}/{path.relative_to(version.folder).as_posix()}")
        source = version.folder / "ho-so-chien-dich.yaml"
        if source.is_file():
            archive.write(source, f"{base}/{source.name}")
    spool.seek(0)
    record("tai_zip_van_ban", version, note=f"phiên bản {version.number}")
    response = FileResponse(spool, as_attachment=True, filename=f"{base}.zip", content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response
