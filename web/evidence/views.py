"""Evidence checks of a campaign: uploads per unit, the policy, verification runs and their report pages.

Every view finds the campaign within the user's agency (another agency's is a 404) and checks a permission on it;
stored files are served only through these views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from letters.core.errors import DiagnosticsError, VanbanError
from letters.usecases.evidence import SignatureReport, signature_rows, verdict_kinds
from web.accounts.roles import agency_of
from web.audit.log import record
from web.campaigns.models import Campaign
from web.evidence import services
from web.evidence.forms import ALL_UNITS_CHOICE, LetterForm, PolicyFileForm, PolicyForm, UploadForm
from web.evidence.models import (
    ALL_UNITS,
    ALL_UNITS_LABEL,
    EvidenceUpload,
    PolicyFile,
    ResubmissionLetter,
    VerificationRun,
    VerifiedFile,
    name_of_policy,
)
from web.evidence.storage import UploadRefused, file_response, max_upload_bytes, size_text
from web.jobs.views import refresh_when_finished

RunModel = TypeVar("RunModel", bound=Any)
Saved = TypeVar("Saved")

VIEW = "vanban.view_evidence"
CHECK = "vanban.check_evidence"
REPORT_NAMES = ("report.html", "report.csv", "report.json")
FILES_PER_PAGE = 100
UPLOADS_PER_PAGE = 100


def campaign_for(request: HttpRequest, campaign_id: int, perm: str) -> Campaign:
    """The campaign if it is the user's agency's (404 otherwise, never a hint that it exists) and `perm` holds."""
    agency = agency_of(request.user)
    campaign = Campaign.objects.filter(pk=campaign_id, agency_id=agency).first() if agency else None
    if campaign is None:
        raise Http404("Không có đợt đánh giá này.")
    if not request.user.has_perm(perm, campaign):
        raise PermissionDenied("Bạn không có quyền thực hiện thao tác này.")
    return campaign


def numbered_run(
    model: type[RunModel], campaign: Campaign, number: int, missing: str, *related: str
) -> RunModel:
    """A campaign's run by its number (evidence checks, results), or a 404 saying `missing`."""
    run = model.objects.filter(campaign=campaign, number=number).select_related("job", *related).first()
    if run is None:
        raise Http404(missing)
    return run


def _run(campaign: Campaign, number: int) -> VerificationRun:
    return numbered_run(VerificationRun, campaign, number, "Không có lần kiểm tra này.")


def save_or_refuse(form: Any, field: str, save: Callable[[], Saved]) -> Saved | None:
    """`save()`'s outcome, or None with its Vietnamese refusal (an upload refused, a use case's error) put beside
    `field` of `form`: nothing was kept."""
    try:
        return save()
    except (UploadRefused, VanbanError) as exc:
        form.add_error(field, exc.message)
        return None


def _units(campaign: Campaign) -> tuple[list[Any], str]:
    try:
        return services.units_of(campaign), ""
    except DiagnosticsError as exc:
        return [], services.describe_error(exc)
    except VanbanError as exc:
        return [], services.describe_error(exc)


def _upload_summary(campaign: Campaign, chosen: str) -> list[dict[str, Any]]:
    """Files in use per unit (one grouped query), the all-units archives first, then the units by name."""
    grouped = (
        EvidenceUpload.objects.filter(campaign=campaign, active=True)
        .values("unit_name")
        .annotate(files=Count("id"), size=Sum("size"), last=Max("uploaded_at"))
        .order_by()
    )
    rows = sorted(grouped, key=lambda r: (r["unit_name"] != ALL_UNITS, r["unit_name"]))
    for row in rows:
        value = row["unit_name"] or ALL_UNITS_CHOICE
        link = "?" + urlencode({"don_vi": value}) + "#tep"
        row["value"] = value
        # Built here rather than in the template, as the report's summary: a province has 250 units.
        row["row"] = format_html(
            '<tr{}><td><a href="{}" hx-get="{}" hx-target="#uploads" hx-swap="outerHTML" hx-push-url="true">{}</a>'
            '</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>',
            mark_safe(' class="selected"') if value == chosen else "",
            link,
            link,
            row["unit_name"] or ALL_UNITS_LABEL,
            row["files"],
            size_text(row["size"] or 0),
            timezone.localtime(row["last"]).strftime("%d/%m/%Y %H:%M") if row["last"] else "",
        )
    return rows


def _uploads_page(request: HttpRequest, campaign: Campaign, summary: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of the files in use, of one unit when one is chosen."""
    chosen = request.GET.get("don_vi", "")
    uploads = EvidenceUpload.objects.filter(campaign=campaign, active=True).select_related("uploaded_by")
    if chosen:
        uploads = uploads.filter(unit_name=ALL_UNITS if chosen == ALL_UNITS_CHOICE else chosen)
    page = Paginator(uploads, UPLOADS_PER_PAGE).get_page(request.GET.get("trang"))
    query = request.GET.copy()
    query.pop("trang", None)
    options = format_html_join(
        "",
        '<option value="{}"{}>{} ({})</option>',
        (
            (
                r["value"],
                " selected" if r["value"] == chosen else "",
                r["unit_name"] or ALL_UNITS_LABEL,
                r["files"],
            )
            for r in summary
        ),
    )
    return {
        "uploads_page": page,
        "upload_unit": chosen,
        "upload_unit_options": options,
        "upload_query": query.urlencode(),
    }


def _overview_context(
    request: HttpRequest, campaign: Campaign, form: UploadForm | None = None
) -> dict[str, Any]:
    units, units_error = _units(campaign)
    summary = _upload_summary(campaign, request.GET.get("don_vi", ""))
    sent = {r["unit_name"] for r in summary}
    runs = list(VerificationRun.objects.filter(campaign=campaign).select_related("job", "started_by")[:20])
    last_done = next((r for r in runs if r.status == "done"), None)
    if last_done is not None and ALL_UNITS in sent:
        # An all-units ZIP names its units inside: the last run says which ones it held.
        sent |= set(last_done.files.order_by().values_list("unit", flat=True).distinct())
    policy = services.policy_of(campaign)
    return {
        "campaign": campaign,
        "form": form or UploadForm(units=units),
        "units_error": units_error,
        "upload_summary": summary,
        "upload_count": sum(r["files"] for r in summary),
        "units_without_files": [u for u in units if u.name not in sent] if units else [],
        "runs": runs,
        "running": next((r for r in runs if not r.finished), None),
        "policy": policy,
        "policy_name": name_of_policy(policy.text if policy else ""),
        "can_check": request.user.has_perm(CHECK, campaign),
        "max_mb": max_upload_bytes() // (1024 * 1024),
        **_uploads_page(request, campaign, summary),
    }


@login_required
@require_GET
def overview(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    if request.htmx and request.htmx.target == "uploads":
        summary = _upload_summary(campaign, request.GET.get("don_vi", ""))
        context = {
            "campaign": campaign,
            "can_check": request.user.has_perm(CHECK, campaign),
            **_uploads_page(request, campaign, summary),
        }
        return render(request, "evidence/_uploads.html", context)
    return render(request, "evidence/overview.html", _overview_context(request, campaign))


@login_required
@require_POST
def upload(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, CHECK)
    units, _ = _units(campaign)
    form = UploadForm(request.POST, request.FILES, units=units)
    if form.is_valid():
        key = form.cleaned_data["unit"]
        unit = None if key == ALL_UNITS_CHOICE else services.unit_by_key(campaign, key)
        created = save_or_refuse(
            form,
            "files",
            lambda: services.save_uploads(campaign, request.user, unit, form.cleaned_data["files"]),
        )
        if created is not None:
            for row in created:
                record(
                    "tai_len_minh_chung",
                    row,
                    after={
                        "unit": row.unit_name,
                        "file": row.original_name,
                        "size": row.size,
                        "sha256": row.sha256,
                    },
                )
            messages.success(
                request,
                f"Đã tải lên {len(created)} tệp cho {unit.name if unit else 'tất cả đơn vị'}: "
                + ", ".join(r.original_name for r in created)
                + ".",
            )
            return redirect("evidence:campaign", campaign.pk)
    context = _overview_context(request, campaign, form)
    return render(request, "evidence/overview.html", context, status=400)


@login_required
@require_GET
def upload_file(request: HttpRequest, campaign_id: int, upload_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    row = EvidenceUpload.objects.filter(campaign=campaign, pk=upload_id).first()
    if row is None:
        raise Http404("Không có tệp này.")
    record("tai_ve_minh_chung", row, note=row.original_name)
    return file_response(row.path, row.original_name)


@login_required
@require_POST
def withdraw(request: HttpRequest, campaign_id: int, upload_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, CHECK)
    row = EvidenceUpload.objects.filter(campaign=campaign, pk=upload_id, active=True).first()
    if row is None:
        raise Http404("Không có tệp này.")
    services.withdraw_upload(row)
    record("bo_tep_minh_chung", row, before={"active": True}, after={"active": False})
    messages.success(
        request, f"Đã bỏ tệp «{row.original_name}» khỏi các lần kiểm tra sau (tệp vẫn được lưu)."
    )
    return redirect("evidence:campaign", campaign.pk)


# --------------------------------------------------------------------------- policy


def _policy_context(
    request: HttpRequest,
    campaign: Campaign,
    form: PolicyForm,
    file_form: PolicyFileForm,
    diagnostics: list[Any],
) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "form": form,
        "file_form": file_form,
        "diagnostics": diagnostics,
        "files": PolicyFile.objects.filter(campaign=campaign),
        "can_check": request.user.has_perm(CHECK, campaign),
        "template_text": _template_text(),
    }


def _template_text() -> str:
    from letters.usecases.evidence import policy_template_text

    return policy_template_text()


@login_required
def policy(request: HttpRequest, campaign_id: int) -> HttpResponse:
    if request.method == "POST":
        campaign = campaign_for(request, campaign_id, CHECK)
        form = PolicyForm(request.POST)
        diagnostics: list[Any] = []
        if form.is_valid():
            text = form.cleaned_data["text"].replace("\r\n", "\n")
            diagnostics = services.check_policy(campaign, text)
            if not diagnostics:
                current = services.policy_of(campaign)
                before = current.text if current else ""
                saved = services.save_policy(campaign, text, request.user)
                record("sua_chinh_sach_kiem_tra", saved, before={"text": before}, after={"text": text})
                messages.success(
                    request,
                    "Đã lưu chính sách kiểm tra." if text.strip() else "Đã chuyển về chính sách mặc định.",
                )
                return redirect("evidence:policy", campaign.pk)
            for d in diagnostics:
                where = f"Dòng {d.line}" if d.line else "Chính sách"
                form.add_error("text", f"{where}{f' (trường «{d.field}»)' if d.field else ''}: {d.message}")
        context = _policy_context(request, campaign, form, PolicyFileForm(), diagnostics)
        return render(request, "evidence/policy.html", context, status=400)
    if request.method != "GET":
        return HttpResponse(status=405)
    campaign = campaign_for(request, campaign_id, VIEW)
    current = services.policy_of(campaign)
    form = PolicyForm(initial={"text": current.text if current else ""})
    return render(
        request, "evidence/policy.html", _policy_context(request, campaign, form, PolicyFileForm(), [])
    )


@login_required
@require_POST
def policy_file(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, CHECK)
    file_form = PolicyFileForm(request.POST, request.FILES)
    if file_form.is_valid():
        saved = save_or_refuse(
            file_form,
            "file",
            lambda: services.save_policy_file(campaign, request.user, file_form.cleaned_data["file"]),
        )
        if saved is not None:
            record("tai_len_tep_chinh_sach", saved, after={"name": saved.name, "sha256": saved.sha256})
            messages.success(request, f"Đã tải lên tệp «{saved.name}»; ghi tên này trong chính sách để dùng.")
            return redirect("evidence:policy", campaign.pk)
    current = services.policy_of(campaign)
    form = PolicyForm(initial={"text": current.text if current else ""})
    context = _policy_context(request, campaign, form, file_form, [])
    return render(request, "evidence/policy.html", context, status=400)


# --------------------------------------------------------------------------- runs


@login_required
@require_POST
def start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, CHECK)
    try:
        run = services.start_run(campaign, request.user)
    except UploadRefused as exc:
        messages.error(request, exc.message)
        return redirect("evidence:campaign", campaign.pk)
    record("kiem_tra_minh_chung", run, after={"number": run.number, "files": run.uploads.count()})
    messages.success(request, f"Đã bắt đầu kiểm tra chữ ký số (lần {run.number}).")
    return redirect("evidence:report", campaign.pk, run.number)


@login_required
@require_GET
def run_status(request: HttpRequest, campaign_id: int, number: int) -> HttpResponse:
    """Polled by the report page while the run is going; tells htmx to reload the page once it is over."""
    campaign = campaign_for(request, campaign_id, VIEW)
    return refresh_when_finished(_run(campaign, number).finished)


def _summary(run: VerificationRun, kinds: list[Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Counts per unit and verdict kind, units in the order the report lists them."""
    order = {
        row["unit"]: row["first"]
        for row in run.files.values("unit").annotate(first=Min("position")).order_by()
    }
    counts: dict[str, dict[str, int]] = {u: {k.code: 0 for k in kinds} for u in order}
    accepted: dict[str, int] = dict.fromkeys(order, 0)
    for row in run.files.values("unit", "kind", "accepted").annotate(n=Count("id")).order_by():
        counts[row["unit"]][row["kind"]] = counts[row["unit"]].get(row["kind"], 0) + row["n"]
        if row["accepted"]:
            accepted[row["unit"]] += row["n"]
    units = []
    for name in sorted(order, key=lambda u: order[u]):
        total = sum(counts[name].values())
        flagged = counts[name].get("TOTAL_PASSED_FLAGGED", 0)
        shade = "bad" if accepted[name] < total else "warn" if flagged else "ok"
        unit = {
            "name": name,
            "counts": [counts[name].get(k.code, 0) for k in kinds],
            "total": total,
            "accepted": accepted[name],
            "rejected": total - accepted[name],
            "shade": shade,
        }
        # Built here rather than in the template: a province has 250 units, and the loop of template tags for
        # their cells would be most of the page's time.
        link = "?" + urlencode({"don_vi": name})
        numbers = [total, *unit["counts"], unit["accepted"], unit["rejected"]]
        unit["row"] = format_html(
            '<tr class="shade-{}"><td><a href="{}#tep" hx-get="{}" hx-target="#files" hx-swap="outerHTML" '
            'hx-push-url="true">{}</a></td>{}</tr>',
            shade,
            link,
            link,
            name,
            format_html_join("", '<td class="num">{}</td>', ((n,) for n in numbers)),
        )
        units.append(unit)
    totals = {
        "counts": [sum(u["counts"][i] for u in units) for i in range(len(kinds))],
        "total": sum(u["total"] for u in units),
        "accepted": sum(u["accepted"] for u in units),
        "rejected": sum(u["rejected"] for u in units),
    }
    return units, totals


def _filtered(request: HttpRequest, run: VerificationRun) -> dict[str, Any]:
    unit = request.GET.get("don_vi", "")
    kind = request.GET.get("ket_qua", "")
    files = run.files.all()
    if unit:
        files = files.filter(unit=unit)
    if kind == "can_nop_lai":
        files = files.filter(accepted=False)
    elif kind:
        files = files.filter(kind=kind)
    page = Paginator(files.defer("signatures", "caveats", "verdict"), FILES_PER_PAGE)
    page_obj = page.get_page(request.GET.get("trang"))
    kinds = {k.code: k for k in verdict_kinds()}
    rows = list(page_obj.object_list)
    for row in rows:
        shown = kinds.get(row.kind)
        row.kind_label = shown.label if shown else row.kind
        row.kind_style = f"background:{shown.background};color:{shown.colour}" if shown else ""
    page_obj.object_list = rows
    query = request.GET.copy()
    query.pop("trang", None)
    units = run.files.values("unit").annotate(first=Min("position")).order_by("first")
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((u["unit"], " selected" if u["unit"] == unit else "", u["unit"]) for u in units),
    )
    return {
        "unit_options": options,
        "page_obj": page_obj,
        "filter_unit": unit,
        "filter_kind": kind,
        "filter_query": query.urlencode(),
        "filtered_count": page.count,
    }


@login_required
@require_GET
def report(request: HttpRequest, campaign_id: int, number: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    run = _run(campaign, number)
    kinds = verdict_kinds()
    context: dict[str, Any] = {
        "campaign": campaign,
        "run": run,
        "kinds": kinds,
        "can_check": request.user.has_perm(CHECK, campaign),
    }
    if run.status == "done":
        context.update(_filtered(request, run))
        if request.htmx and request.htmx.target == "files":
            return render(request, "evidence/_files.html", context)
        units, totals = _summary(run, kinds)
        context.update(
            units=units,
            totals=totals,
            letters=list(run.letters.select_related("created_by")),
            letter_form=LetterForm(),
            report_names=REPORT_NAMES,
        )
    record("xem_bao_cao_kiem_tra", run, note=request.GET.urlencode())
    return render(request, "evidence/report.html", context)


@login_required
@require_GET
def file_detail(request: HttpRequest, campaign_id: int, number: int, file_id: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    run = _run(campaign, number)
    row = VerifiedFile.objects.filter(run=run, pk=file_id).first()
    if row is None:
        raise Http404("Không có tệp này trong lần kiểm tra.")
    signatures = []
    for data in row.signatures:
        sig = SignatureReport(**data)
        signatures.append({"field_name": sig.field_name, "signer": sig.signer, "rows": signature_rows(sig)})
    kinds = {k.code: k for k in verdict_kinds()}
    context = {
        "campaign": campaign,
        "run": run,
        "row": row,
        "kind": kinds.get(row.kind),
        "signatures": signatures,
    }
    record("xem_chi_tiet_kiem_tra", run, note=row.file)
    template = "evidence/_file_detail.html" if request.htmx else "evidence/file_detail.html"
    return render(request, template, context)


@login_required
@require_GET
def report_download(request: HttpRequest, campaign_id: int, number: int, name: str) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    run = _run(campaign, number)
    if name not in REPORT_NAMES or run.status != "done":
        raise Http404("Không có báo cáo này.")
    record("tai_ve_bao_cao_kiem_tra", run, note=name)
    ext = name.rsplit(".", 1)[-1]
    return file_response(run.report_dir / name, f"bao-cao-kiem-tra-lan-{run.number:03d}.{ext}")


@login_required
@require_POST
def letter_create(request: HttpRequest, campaign_id: int, number: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, CHECK)
    run = _run(campaign, number)
    if run.status != "done":
        raise Http404("Lần kiểm tra chưa xong.")
    form = LetterForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("deadline", ["Dữ liệu không hợp lệ."])))
        return redirect("evidence:report", campaign.pk, run.number)
    try:
        letter = services.make_letter(run, request.user, form.cleaned_data["deadline"])
    except VanbanError as exc:
        messages.error(request, "Không tạo được công văn đề nghị nộp lại: " + services.describe_error(exc))
        return redirect("evidence:report", campaign.pk, run.number)
    if letter is None:
        messages.info(request, "Mọi tệp đều đạt yêu cầu: không cần công văn đề nghị nộp lại.")
        return redirect("evidence:report", campaign.pk, run.number)
    record("tao_cong_van_nop_lai", letter, after={"version": letter.version, "sha256": letter.sha256})
    messages.success(request, f"Đã tạo công văn đề nghị nộp lại (phiên bản {letter.version}).")
    return redirect(f"{_report_url(campaign, run)}#cong-van")


def _report_url(campaign: Campaign, run: VerificationRun) -> str:
    from django.urls import reverse

    return reverse("evidence:report", args=[campaign.pk, run.number])


@login_required
@require_GET
def letter_download(request: HttpRequest, campaign_id: int, number: int, version: int) -> HttpResponse:
    campaign = campaign_for(request, campaign_id, VIEW)
    run = _run(campaign, number)
    letter = ResubmissionLetter.objects.filter(run=run, version=version).first()
    if letter is None:
        raise Http404("Không có công văn này.")
    record("tai_ve_cong_van_nop_lai", letter, note=f"phiên bản {version}")
    return file_response(
        letter.path, f"cong-van-de-nghi-nop-lai-lan-{run.number:03d}-phien-ban-{letter.version:02d}.docx"
    )
