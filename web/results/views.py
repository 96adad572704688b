"""Results of a campaign: scores in, every problem with its place, the ranking per tier, the documents.

Every view finds the campaign within the user's agency (another agency's is a 404) and checks a permission on it;
stored files are served only through these views."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from letters.core.errors import VanbanError
from letters.core.vn import number, points_text, short
from web.audit.log import record
from web.campaigns.models import Campaign
from web.evidence.services import describe_error
from web.evidence.storage import UploadRefused, file_response, files_path, max_upload_bytes
from web.evidence.views import campaign_for
from web.jobs.models import JobStatus
from web.results import services
from web.results.forms import ScoresForm
from web.results.models import RankingEntry, ResultDocument, ResultsRun, ScoresUpload

VIEW = "vanban.view_results"
RUN = "vanban.run_results"
FROM_SYSTEM = "vanban.results_from_system"
PUBLISH = "vanban.publish_results"


def _run(campaign: Campaign, number_: int) -> ResultsRun:
    run = ResultsRun.objects.filter(campaign=campaign, number=number_).select_related("job", "upload").first()
    if run is None:
        raise Http404("Không có lần tổng hợp này.")
    return run


def _overview_context(
    request: HttpRequest, campaign: Campaign, form: ScoresForm | None = None
) -> dict[str, Any]:
    runs = list(
        ResultsRun.objects.filter(campaign=campaign).select_related("job", "upload", "started_by")[:20]
    )
    current = next((r for r in runs if r.status == JobStatus.DONE), None) or services.current_run(campaign)
    latest = runs[0] if runs else None
    return {
        "campaign": campaign,
        "form": form or ScoresForm(),
        "runs": runs,
        "current": current,
        "latest_failed": latest if latest is not None and latest.status == JobStatus.FAILED else None,
        "running": next((r for r in runs if not r.finished), None),
        "can_run": request.user.has_perm(RUN, campaign),
        "max_mb": max_upload_bytes() // (1024 * 1024),
        "online": _online_summary(campaign),
        "can_from_system": request.user.has_perm(FROM_SYSTEM, campaign),
    }


def _online_summary(campaign: Campaign) -> dict[str, int] | None:
    """How many units of an online campaign have sent their data to the Sở (None: not run online)."""
    from django.db.models import Count, Q

    from web.assessment.models import State, Submission
    from web.results.online import REACHED_SO

    counts = Submission.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(state__in=REACHED_SO)),
        final=Count("pk", filter=Q(state=State.FINAL)),
    )
    return counts if counts["total"] else None


@login_required
@require_GET
def overview(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    return render(request, "results/overview.html", _overview_context(request, campaign))


@login_required
@require_POST
def upload(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, RUN)
    form = ScoresForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            scores = services.save_scores(campaign, request.user, form.cleaned_data["files"])
        except (UploadRefused, VanbanError) as exc:
            form.add_error("files", exc.message)
        else:
            record("tai_len_diem", scores, after={"kind": scores.kind, "files": scores.files})
            run = services.start_run(campaign, request.user, scores, pdf=form.cleaned_data["pdf"])
            record("tong_hop_ket_qua", run, after={"number": run.number, "scores": scores.pk, "pdf": run.pdf})
            messages.success(
                request, f"Đã nhận dữ liệu điểm ({scores.names}); đang tổng hợp kết quả (lần {run.number})."
            )
            return redirect("results:run", campaign.pk, run.number)
    return render(request, "results/overview.html", _overview_context(request, campaign, form), status=400)


@login_required
@require_POST
def from_system(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """«Tổng hợp kết quả từ hệ thống»: the final scores of the online campaign as a scores file, then a run."""
    from web.results.online import Refused, save_system_scores

    campaign = campaign_for(request, campaign_id, FROM_SYSTEM)
    try:
        scores, summary = save_system_scores(campaign, request.user)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("results:campaign", campaign.pk)
    except VanbanError as exc:
        messages.error(request, "Không tổng hợp được điểm từ hệ thống: " + describe_error(exc))
        return redirect("results:campaign", campaign.pk)
    record(
        "tong_hop_diem_tu_he_thong",
        scores,
        after={
            "files": scores.files,
            "so_don_vi": summary.units,
            "chua_gui": len(summary.not_sent),
            "chua_cham": summary.unscored,
        },
    )
    run = services.start_run(campaign, request.user, scores, pdf=True)
    record("tong_hop_ket_qua", run, after={"number": run.number, "scores": scores.pk, "pdf": run.pdf})
    missing = f"; {len(summary.not_sent)} đơn vị chưa gửi số liệu về Sở" if summary.not_sent else ""
    messages.success(
        request,
        f"Đã lấy điểm cuối cùng của {summary.units} đơn vị{missing}; đang tổng hợp kết quả (lần {run.number}).",
    )
    if summary.extended:
        messages.warning(
            request,
            f"{len(summary.extended)} đơn vị gửi số liệu sau hạn nộp của nhóm, không bị hệ thống ghi là nộp muộn "
            f"nhưng không có gia hạn đến ngày gửi: {', '.join(summary.extended)}. Bảng xếp hạng ghi các đơn vị "
            "này là nộp muộn; hãy kiểm tra trước khi trình ký.",
        )
    return redirect("results:run", campaign.pk, run.number)


@login_required
@require_POST
def publish(request: HttpRequest, campaign_id: int, number: int) -> HttpResponse:
    """«Công bố kết quả», once the run's Quyết định is issued."""
    from web.results.online import Refused
    from web.results.online import publish as publish_run

    campaign = campaign_for(request, campaign_id, PUBLISH)
    run = _run(campaign, number)
    try:
        publication = publish_run(run, request.user, request.build_absolute_uri("/"))
    except Refused as exc:
        record("cong_bo_ket_qua_bi_tu_choi", run, note=exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Đã công bố kết quả theo Quyết định số {publication.issued.reference}; các đơn vị xem thông báo "
            "trong tài khoản và được báo qua thư điện tử.",
        )
    return redirect("results:run", campaign.pk, run.number)


@login_required
@require_POST
def example(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, RUN)
    try:
        scores = services.save_example_scores(campaign, request.user)
    except VanbanError as exc:
        messages.error(request, "Không tạo được dữ liệu điểm mẫu: " + describe_error(exc))
        return redirect("results:campaign", campaign.pk)
    record("tao_diem_mau", scores, after={"files": scores.files})
    run = services.start_run(campaign, request.user, scores, pdf=request.POST.get("pdf") == "on")
    record("tong_hop_ket_qua", run, after={"number": run.number, "scores": scores.pk, "pdf": run.pdf})
    messages.success(request, f"Đã tạo dữ liệu điểm mẫu; đang tổng hợp kết quả (lần {run.number}).")
    return redirect("results:run", campaign.pk, run.number)


def _download_made(
    request: HttpRequest, campaign: Campaign, what: str, make: Any, filename: str, action: str
) -> HttpResponse:
    try:
        path = make(campaign)
    except VanbanError as exc:
        messages.error(request, f"Không tạo được {what}: " + describe_error(exc))
        return redirect("results:campaign", campaign.pk)
    record(action, campaign, note=filename)
    return file_response(path, filename)


@login_required
@require_GET
def blank_forms(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    return _download_made(
        request,
        campaign,
        "biểu mẫu trống",
        services.blank_forms_zip,
        f"bieu-mau-tu-danh-gia-{campaign.year}.zip",
        "tai_ve_bieu_mau_trong",
    )


@login_required
@require_GET
def example_download(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    return _download_made(
        request,
        campaign,
        "dữ liệu điểm mẫu",
        services.example_scores_zip,
        f"diem-mau-{campaign.year}.zip",
        "tai_ve_diem_mau",
    )


@login_required
@require_GET
def scores_file(request: HttpRequest, campaign_id: int, upload_id: int, index: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    scores = ScoresUpload.objects.filter(campaign=campaign, pk=upload_id).first()
    if scores is None or not 0 <= index < len(scores.files):
        raise Http404("Không có tệp này.")
    name = scores.files[index]["name"]
    record("tai_ve_diem", scores, note=name)
    return file_response(scores.path / name, name)


@login_required
@require_GET
def run_status(request: HttpRequest, campaign_id: int, number: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    run = _run(campaign, number)
    response = HttpResponse("")
    if run.finished:
        response["HX-Refresh"] = "true"
    return response


def _decimal(value: Decimal | None, places: int | None = None) -> str:
    if value is None:
        return ""
    return points_text(value) if places is None else number(value, places)


def _ranking_rows(entries: list[RankingEntry]) -> list[dict[str, Any]]:
    rows = []
    for e in entries:
        rows.append(
            {
                "rank": "" if e.rank is None else f"{e.rank}",
                "tied": e.tied,
                "unit": e.unit_name,
                "unit_id": e.unit_id,
                "points": _decimal(e.points),
                "max_points": _decimal(e.max_points),
                "dti": _decimal(e.dti, 4),
                "percent": _decimal(e.percent, 2),
                "band": e.band,
                "cchc": _decimal(e.cchc_points, 2),
                "status": e.status,
                "status_label": e.get_status_display(),
                "submitted_on": short(e.submitted_on) if e.submitted_on else "",
                "late": e.late,
                "note": e.note,
            }
        )
    return rows


@login_required
@require_GET
def run_page(request: HttpRequest, campaign_id: int, number: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    run = _run(campaign, number)
    context: dict[str, Any] = {
        "campaign": campaign,
        "run": run,
        "current": services.current_run(campaign),
        "can_run": request.user.has_perm(RUN, campaign),
    }
    if run.status == JobStatus.DONE:
        tiers = list(
            run.ranking.values("tier_id", "tier_name").annotate(first=Min("position")).order_by("first")
        )
        chosen = request.GET.get("nhom") or (tiers[0]["tier_id"] if tiers else "")
        tier = next((t for t in tiers if t["tier_id"] == chosen), None)
        if tiers and tier is None:
            raise Http404("Không có nhóm đơn vị này.")
        entries = list(run.ranking.filter(tier_id=chosen)) if tier else []
        rows = _ranking_rows(entries)
        context.update(
            tiers=tiers,
            tier=tier,
            rows=rows,
            counts={
                "ranked": sum(r["status"] in ("ranked", "ranked_last") for r in rows),
                "ranked_late": sum(r["status"] == "ranked_last" for r in rows),
                "excluded": sum(r["status"] == "excluded" for r in rows),
                "excluded_late": sum(r["status"] == "excluded" and r["late"] for r in rows),
                "missing": sum(r["status"] == "missing" for r in rows),
            },
            max_points=rows[0]["max_points"] if rows else "",
            documents=list(run.documents.all()),
            **_publication_context(request, campaign, run),
        )
        if request.htmx and request.htmx.target == "ranking":
            return render(request, "results/_ranking.html", context)
    record("xem_ket_qua", run, note=request.GET.urlencode())
    return render(request, "results/run.html", context)


@login_required
@require_GET
def document(request: HttpRequest, campaign_id: int, number: int, doc_id: int, fmt: str) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    run = _run(campaign, number)
    doc = ResultDocument.objects.filter(run=run, pk=doc_id).first()
    if doc is None or fmt not in ("goc", "pdf") or (fmt == "pdf" and not doc.pdf_path):
        raise Http404("Không có văn bản này.")
    path = doc.path if fmt == "goc" else files_path(doc.pdf_path)
    record("tai_ve_van_ban_ket_qua", doc.run, note=f"{doc.label} ({path.suffix.lstrip('.').upper()})")
    return file_response(path, path.name)


def _publication_context(request: HttpRequest, campaign: Campaign, run: ResultsRun) -> dict[str, Any]:
    """The run's documents as documents of the campaign (with where each stands in signing and issuance) and
    its publication: three queries whatever the number of notices."""
    from web.documents.models import DocumentVersion, VersionStatus
    from web.issuance.models import Draft, IssuedDocument
    from web.results.models import Publication
    from web.results.online import issued_decision

    registered = list(
        run.documents.filter(document__isnull=False).select_related("document").order_by("position")
    )
    drafts: dict[int, Any] = {}
    for draft in Draft.objects.filter(document__in=[d.document_id for d in registered]).order_by(
        "submitted_at"
    ):
        drafts[draft.document_id] = draft
    issued = {i.draft_id: i for i in IssuedDocument.objects.filter(draft__in=[d.pk for d in drafts.values()])}
    for d in registered:
        draft = drafts.get(d.document_id)
        d.draft = draft  # type: ignore[attr-defined]
        d.issued = issued.get(draft.pk) if draft else None  # type: ignore[attr-defined]
    letters = [d for d in registered if d.kind != "thong_bao"]
    publication = (
        Publication.objects.filter(run=run)
        .select_related("issued", "published_by__profile", "mail_job")
        .first()
    )
    version = run.document_version
    newer = (
        version is not None
        and DocumentVersion.objects.filter(
            campaign=campaign, status=VersionStatus.READY, number__gt=version.number
        ).exists()
    )
    return {
        "registered_letters": letters,
        "registered_notices": [d for d in registered if d.kind == "thong_bao"],
        "version": version,
        "newer_version": newer,
        "publication": publication,
        "decision_issued": None if publication else issued_decision(run),
        "can_publish": request.user.has_perm(PUBLISH, campaign),
    }
