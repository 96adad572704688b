"""Pages of signing and issuance: the list of drafts, a draft's page (approve, sign, issue, download), and the
quản trị's configuration of keys and the seal. Every queryset is scoped by the user's agency (another
agency's draft is a 404) and every action and download is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from web.accounts.roles import agency_of
from web.audit.log import record
from web.audit.models import AuditEvent
from web.documents.views import document_for
from web.issuance import services
from web.issuance.forms import (
    IssueForm,
    KeyForm,
    ReturnForm,
    ServerSignForm,
    SettingsForm,
    SubmitForm,
    UploadSignedForm,
)
from web.issuance.models import (
    Draft,
    DraftStatus,
    IssuedAttachment,
    IssuedDocument,
    SignedDraft,
    SigningKey,
)
from web.jobs.models import Job

ACTIVE_JOB = ("queued", "running")


def _agency(request: HttpRequest, perm: str = "vanban.view_documents") -> int:
    agency_id = agency_of(request.user)
    if agency_id is None or not request.user.has_perm(perm):
        raise PermissionDenied("Bạn không có quyền xem trang này.")
    return agency_id


def draft_for(request: HttpRequest, draft_id: int, perm: str = "vanban.view_documents") -> Draft:
    draft = (
        Draft.objects.select_related(
            "document__version", "campaign", "submitted_by__profile", "decided_by__profile"
        )
        .filter(pk=draft_id, agency_id=agency_of(request.user))
        .first()
    )
    if draft is None:
        raise Http404("Không có dự thảo này.")
    if not request.user.has_perm(perm, draft):
        raise PermissionDenied("Bạn không có quyền thực hiện thao tác này.")
    return draft


def _download(path: Any, filename: str) -> FileResponse:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (FileNotFoundError, OSError):
        raise Http404("Không tìm thấy tệp.") from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response


# --------------------------------------------------------------------------- list


STATUS_FILTERS = {
    "cho-duyet": DraftStatus.SUBMITTED,
    "cho-ky": DraftStatus.APPROVED,
    "cho-ban-hanh": DraftStatus.SIGNED,
    "da-ban-hanh": DraftStatus.ISSUED,
    "tra-lai": DraftStatus.RETURNED,
}


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    agency_id = _agency(request)
    drafts = Draft.objects.filter(agency_id=agency_id).select_related(
        "document__version", "campaign", "submitted_by__profile"
    )
    chosen = request.GET.get("trang-thai", "")
    if chosen in STATUS_FILTERS:
        drafts = drafts.filter(status=STATUS_FILTERS[chosen])
    issued = {i.draft_id: i for i in IssuedDocument.objects.filter(agency_id=agency_id)}
    counts = {
        key: Draft.objects.filter(agency_id=agency_id, status=status).count()
        for key, status in STATUS_FILTERS.items()
    }
    filters = [
        (key, label, counts[key])
        for key, label in (
            ("cho-duyet", "Chờ duyệt"),
            ("cho-ky", "Đã duyệt, chờ ký"),
            ("cho-ban-hanh", "Đã ký, chờ ban hành"),
            ("da-ban-hanh", "Đã ban hành"),
            ("tra-lai", "Trả lại"),
        )
    ]
    return render(
        request,
        "issuance/index.html",
        {"drafts": list(drafts[:500]), "issued": issued, "filters": filters, "chosen": chosen},
    )


# --------------------------------------------------------------------------- a draft


def _jobs(draft: Draft) -> list[Job]:
    """The jobs of this draft still running, and the latest issue job (its refusal stays visible)."""
    signed_jobs = [s.job_id for s in draft.signed.all() if s.job_id]
    running = list(Job.objects.filter(pk__in=signed_jobs, status__in=ACTIVE_JOB))
    last_issue = (
        Job.objects.filter(agency_id=draft.agency_id, kind=services.ISSUE_JOB, params__draft_id=draft.pk)
        .order_by("-created_at")
        .first()
    )
    if last_issue is not None and (last_issue.status in ACTIVE_JOB or last_issue.status == "failed"):
        running.append(last_issue)
    return running


ACTION_LABELS = {
    "trinh_ky": "Trình ký",
    "duyet": "Duyệt",
    "tra_lai": "Trả lại",
    "tai_du_thao": "Tải bản dự thảo",
    "tai_len_ban_ky": "Tải lên bản đã ký",
    "ky_tren_may_chu": "Ký trên máy chủ",
    "ky_tren_may_chu_loi": "Ký trên máy chủ không thành công",
    "kiem_tra_ban_ky": "Kiểm tra bản đã ký",
    "tai_ban_ky": "Tải bản đã ký",
    "ban_hanh_yeu_cau": "Yêu cầu ban hành",
    "ban_hanh": "Ban hành",
    "ban_hanh_loi": "Ban hành không thành công",
    "ky_phu_luc": "Ký số biểu mẫu, phụ lục",
    "ky_phu_luc_loi": "Ký số biểu mẫu, phụ lục không thành công",
    "tai_ban_hanh": "Tải văn bản đã ban hành",
}


def _detail(event: AuditEvent) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    parts = [str(after[k]) for k in ("ket_qua", "so", "y_kien", "ghi_chu", "khoa") if after.get(k)]
    parts += [str(p) for p in after.get("ly_do") or []]
    if event.note:
        parts.append(event.note)
    return "; ".join(parts)


def _history(draft: Draft) -> list[AuditEvent]:
    signed_ids = [str(s.pk) for s in draft.signed.all()]
    issued = IssuedDocument.objects.filter(draft=draft).first()
    from django.db.models import Q

    query = Q(object_type="issuance.draft", object_id=str(draft.pk)) | Q(
        object_type="issuance.signeddraft", object_id__in=signed_ids
    )
    if issued is not None:
        query |= Q(object_type="issuance.issueddocument", object_id=str(issued.pk))
    events = list(
        AuditEvent.objects.filter(query, agency_id_value=draft.agency_id)
        .select_related("user__profile")
        .order_by("-at", "-id")[:200]
    )
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)  # type: ignore[attr-defined]
        event.detail = _detail(event)  # type: ignore[attr-defined]
    return events


def _draft_context(request: HttpRequest, draft: Draft, **forms: Any) -> dict[str, Any]:
    user = request.user
    can_approve = user.has_perm("vanban.approve_document", draft)
    can_issue = user.has_perm("vanban.issue_document", draft)
    keys = services.keys_for(user, draft.agency_id) if can_approve else []
    issued = IssuedDocument.objects.filter(draft=draft).first()
    jobs = _jobs(draft)
    conf = services.settings_for(draft.agency_id)
    return {
        "draft": draft,
        "document": draft.document,
        "signed_list": list(draft.signed.select_related("uploaded_by__profile", "key")),
        "issued": issued,
        "attachments": list(issued.attachments.all()) if issued else [],
        "jobs": jobs,
        "polling": any(j.status in ACTIVE_JOB for j in jobs),
        "history": _history(draft),
        "can_approve": can_approve and draft.status == DraftStatus.SUBMITTED,
        "can_sign": can_approve and draft.status in (DraftStatus.APPROVED, DraftStatus.SIGNED),
        "can_issue": can_issue and draft.status == DraftStatus.SIGNED and issued is None,
        "can_finish_attachments": can_issue and issued is not None and not issued.attachments_done,
        "issue_ready": bool(conf.agency_key_id and conf.seal_path),
        "return_form": forms.get("return_form") or ReturnForm(),
        "upload_form": forms.get("upload_form") or UploadSignedForm(),
        "server_form": forms.get("server_form") or (ServerSignForm(keys=keys) if keys else None),
        "issue_form": forms.get("issue_form") or IssueForm(),
    }


@login_required
@require_GET
def draft_page(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = draft_for(request, draft_id)
    return render(request, "issuance/draft.html", _draft_context(request, draft))


@login_required
@require_GET
def draft_panel(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The draft's running jobs, polled by htmx; the page reloads once they have all ended."""
    draft = draft_for(request, draft_id)
    jobs = _jobs(draft)
    if not any(j.status in ACTIVE_JOB for j in jobs):
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "issuance/_jobs.html", {"draft": draft, "jobs": jobs, "polling": True})


@login_required
@require_POST
def submit(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_for(request, document_id)
    if not request.user.has_perm("vanban.submit_document", document):
        raise PermissionDenied("Chỉ chuyên viên Sở trình ký văn bản.")
    form = SubmitForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        draft = services.submit(document, request.user, note)
    except services.Refused as exc:
        messages.error(request, exc.message)
        return redirect("documents:index", document.version.campaign_id)
    messages.success(request, f"Đã trình ký «{document.label}»; lãnh đạo Sở sẽ duyệt.")
    return redirect("issuance:draft", draft.pk)


@login_required
@require_POST
def approve(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = draft_for(request, draft_id, "vanban.approve_document")
    try:
        services.approve(draft, request.user)
    except services.Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã duyệt dự thảo. Tải bản PDF về để ký số, rồi tải bản đã ký lên.")
    return redirect("issuance:draft", draft.pk)


@login_required
@require_POST
def return_draft(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = draft_for(request, draft_id, "vanban.approve_document")
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return render(
            request, "issuance/draft.html", _draft_context(request, draft, return_form=form), status=400
        )
    try:
        services.return_draft(draft, request.user, form.cleaned_data["comment"])
    except services.Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã trả lại dự thảo cho chuyên viên, kèm ý kiến.")
    return redirect("issuance:draft", draft.pk)


@login_required
@require_POST
def upload(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = draft_for(request, draft_id, "vanban.approve_document")
    form = UploadSignedForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.receive_upload(draft, form.cleaned_data["signed_file"], request.user)
        except services.Refused as exc:
            form.add_error("signed_file", exc.message)
    if not form.is_valid():
        return render(
            request, "issuance/draft.html", _draft_context(request, draft, upload_form=form), status=400
        )
    messages.success(
        request, "Đã nhận tệp đã ký; đang kiểm tra chữ ký và đối chiếu với bản dự thảo đã duyệt."
    )
    return redirect("issuance:draft", draft.pk)


@login_required
@require_POST
def server_sign(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = draft_for(request, draft_id, "vanban.approve_document")
    keys = services.keys_for(request.user, draft.agency_id)
    form = ServerSignForm(request.POST, keys=keys)
    if form.is_valid():
        try:
            services.sign_on_server(draft, form.cleaned_data["key"], request.user)
        except services.Refused as exc:
            form.add_error("key", exc.message)
    if not form.is_valid():
        return render(
            request, "issuance/draft.html", _draft_context(request, draft, server_form=form), status=400
        )
    messages.success(request, "Đang ký trên máy chủ; bản đã ký sẽ được kiểm tra như bản tải lên.")
    return redirect("issuance:draft", draft.pk)


@login_required
@require_POST
def issue(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = draft_for(request, draft_id, "vanban.issue_document")
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            services.start_issue(draft, request.user, form.cleaned_data["issue_date"])
        except services.Refused as exc:
            messages.error(request, exc.message)
            return redirect("issuance:draft", draft.pk)
        messages.success(request, "Đang ban hành: lấy số, điền ngày, ký số và đóng dấu của cơ quan.")
        return redirect("issuance:draft", draft.pk)
    return render(request, "issuance/draft.html", _draft_context(request, draft, issue_form=form), status=400)


# --------------------------------------------------------------------------- downloads


@login_required
@require_GET
def draft_pdf(request: HttpRequest, draft_id: int) -> FileResponse:
    draft = draft_for(request, draft_id)
    record("tai_du_thao", draft, note=f"SHA-256 {draft.pdf_sha256}")
    return _download(draft.pdf, draft.pdf.name)


@login_required
@require_GET
def signed_file(request: HttpRequest, signed_id: int) -> FileResponse:
    signed = (
        SignedDraft.objects.filter(pk=signed_id, agency_id=agency_of(request.user))
        .exclude(stored_path="")
        .first()
    )
    if signed is None:
        raise Http404("Không có tệp này.")
    if not request.user.has_perm("vanban.view_documents", signed):
        raise PermissionDenied("Bạn không có quyền tải tệp này.")
    record("tai_ban_ky", signed)
    return _download(signed.path, signed.original_name)


@login_required
@require_GET
def issued_file(request: HttpRequest, draft_id: int) -> FileResponse:
    draft = draft_for(request, draft_id)
    issued = IssuedDocument.objects.filter(draft=draft).first()
    if issued is None:
        raise Http404("Văn bản chưa được ban hành.")
    record("tai_ban_hanh", issued, note=issued.reference)
    return _download(issued.path, issued.original_name)


@login_required
@require_GET
def attachment_file(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = IssuedAttachment.objects.filter(pk=attachment_id, agency_id=agency_of(request.user)).first()
    if attachment is None:
        raise Http404("Không có tệp này.")
    if not request.user.has_perm("vanban.view_documents", attachment):
        raise PermissionDenied("Bạn không có quyền tải tệp này.")
    record("tai_phu_luc_ban_hanh", attachment)
    return _download(attachment.path, attachment.original_name)


# --------------------------------------------------------------------------- configuration (quản trị)


KEY_GROUPS = (
    ("Khoá", ("name", "purpose", "kind", "owner", "image")),
    ("Tệp khoá PKCS#12", ("p12_file", "password_env")),
    ("USB token, HSM (PKCS#11)", ("pkcs11_module", "token_label", "key_label", "cert_label", "pin_env")),
)


def _settings_context(request: HttpRequest, agency_id: int, **forms: Any) -> dict[str, Any]:
    conf = services.settings_for(agency_id)
    return {
        "conf": conf,
        "keys": list(SigningKey.objects.filter(agency_id=agency_id).select_related("owner__profile")),
        "key_form": forms.get("key_form") or KeyForm(agency_id=agency_id),
        "settings_form": forms.get("settings_form")
        or SettingsForm(
            agency_id=agency_id,
            initial={"agency_key": conf.agency_key_id, "level": conf.level, "tsa_url": conf.tsa_url},
        ),
        "register": services.register_path(agency_id),
        "key_groups": KEY_GROUPS,
    }


@login_required
@require_GET
def configuration(request: HttpRequest) -> HttpResponse:
    agency_id = _agency(request, "vanban.configure_signing")
    return render(request, "issuance/settings.html", _settings_context(request, agency_id))


@login_required
@require_POST
def add_key(request: HttpRequest) -> HttpResponse:
    agency_id = _agency(request, "vanban.configure_signing")
    form = KeyForm(request.POST, request.FILES, agency_id=agency_id)
    if not form.is_valid():
        return render(
            request,
            "issuance/settings.html",
            _settings_context(request, agency_id, key_form=form),
            status=400,
        )
    data = form.cleaned_data
    with transaction.atomic():
        key = SigningKey(
            agency_id=agency_id,
            name=data["name"],
            purpose=data["purpose"],
            kind=data["kind"],
            owner=data.get("owner") if data["purpose"] == SigningKey.Purpose.SIGNER else None,
            created_by=request.user,
        )
        if data["kind"] == SigningKey.Kind.PKCS12:
            assert form.p12_bytes is not None
            key.p12_path, key.p12_sha256 = services.store_configuration_file(
                agency_id, "khoa-ky-so", form.p12_bytes, ".p12", secret=True
            )
            key.password_env = data["password_env"]
        else:
            key.pkcs11_module = data["pkcs11_module"].strip()
            key.token_label = data["token_label"].strip()
            key.key_label = data["key_label"].strip()
            key.cert_label = (data.get("cert_label") or "").strip()
            key.pin_env = data["pin_env"]
        if form.image_bytes is not None:
            key.image_path, key.image_sha256 = services.store_configuration_file(
                agency_id, "anh-chu-ky", form.image_bytes, ".png"
            )
        key.save()
        record(
            "them_khoa_ky_so",
            key,
            after={"ten": key.name, "dung_de": key.purpose, "loai": key.kind, "sha256": key.p12_sha256},
        )
    messages.success(request, f"Đã thêm khoá «{key.name}».")
    for warning in form.warnings:
        messages.warning(request, warning)
    return redirect("issuance:settings")


@login_required
@require_POST
def deactivate_key(request: HttpRequest, key_id: int) -> HttpResponse:
    agency_id = _agency(request, "vanban.configure_signing")
    key = SigningKey.objects.filter(pk=key_id, agency_id=agency_id).first()
    if key is None:
        raise Http404("Không có khoá này.")
    key.active = False
    key.save(update_fields=["active"])
    record("tat_khoa_ky_so", key, before={"dang_dung": True}, after={"dang_dung": False})
    messages.success(request, f"Đã ngừng dùng khoá «{key.name}».")
    return redirect("issuance:settings")


@login_required
@require_http_methods(["POST"])
def save_settings(request: HttpRequest) -> HttpResponse:
    agency_id = _agency(request, "vanban.configure_signing")
    form = SettingsForm(request.POST, request.FILES, agency_id=agency_id)
    if not form.is_valid():
        return render(
            request,
            "issuance/settings.html",
            _settings_context(request, agency_id, settings_form=form),
            status=400,
        )
    conf = services.settings_for(agency_id)
    before = {
        "khoa": conf.agency_key_id,
        "con_dau": conf.seal_sha256,
        "tin_cay": conf.trust_sha256,
        "muc": conf.level,
    }
    conf.agency_key = form.cleaned_data.get("agency_key")
    conf.level = form.cleaned_data["level"]
    conf.tsa_url = form.cleaned_data.get("tsa_url") or ""
    if form.seal_bytes is not None:
        conf.seal_path, conf.seal_sha256 = services.store_configuration_file(
            agency_id, "con-dau", form.seal_bytes, ".png"
        )
    if form.trust_bytes is not None:
        conf.trust_path, conf.trust_sha256 = services.store_configuration_file(
            agency_id, "tin-cay-ky-duyet", form.trust_bytes, ".pem"
        )
    conf.save()
    after = {
        "khoa": conf.agency_key_id,
        "con_dau": conf.seal_sha256,
        "tin_cay": conf.trust_sha256,
        "muc": conf.level,
    }
    record("cau_hinh_ban_hanh", conf, before=before, after=after)
    messages.success(request, "Đã lưu cấu hình ký số, ban hành.")
    return redirect("issuance:settings")


@login_required
@require_GET
def seal_image(request: HttpRequest) -> FileResponse:
    agency_id = _agency(request, "vanban.configure_signing")
    conf = services.settings_for(agency_id)
    if not conf.seal_path:
        raise Http404("Chưa có ảnh con dấu.")
    from web.issuance.models import files_path

    response = FileResponse(open(files_path(conf.seal_path), "rb"), content_type="image/png")  # noqa: SIM115
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response
