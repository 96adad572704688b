"""The unit's pages of the online campaign: its campaigns, the self-assessment form (scores, explanations,
evidence per indicator, autosaved one indicator at a time), the leader's review and confirmation, the receipt,
the explanations phase, and the history of its scores.

A unit person reaches only their own unit's submission (another unit's is a 404, never a hint that it exists);
the Sở's people may read a unit's form; evidence files are served to the unit, the Sở and the appraisers
assigned to them. Every page works without JavaScript (one POST per indicator); with htmx the row saves itself
when a field changes and the verdict of an uploaded file arrives by itself."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from letters.core.errors import VanbanError
from letters.core.vn import points_text, short, time_text
from web.accounts.models import SO_ROLES, UNIT_ROLES
from web.accounts.roles import role_of
from web.assessment import clock
from web.assessment.models import Entry, EvidenceFile, ScoreChange, Stage, State, StateChange, Submission
from web.assessment.plans import plan_for
from web.assessment.scope import may_view, unit_filter
from web.assessment.services import WriteRefused, confirm, save_self_score
from web.assessment.states import BY_ACTION, TransitionRefused, available, take
from web.audit.log import record
from web.evidence.storage import UploadRefused, file_response, files_path, max_upload_bytes
from web.selfassess import services
from web.selfassess.services import UNIT_ACTIONS, Row, editing, is_own_unit

APPRAISAL_SHOWN = {State.EXPLANATIONS, State.REAPPRAISAL, State.FINAL}


# --------------------------------------------------------------------------- finding the submission


def _submission(request: HttpRequest, sub_id: int) -> Submission:
    """The submission if this person may read it on the unit's pages: the unit's own people and the Sở's.
    Anyone else outside its scope gets a 404; an appraiser (who has pages of their own) a 403."""
    sub = (
        Submission.objects.select_related("campaign", "unit", "submitted_by__profile")
        .filter(pk=sub_id)
        .first()
    )
    if sub is None or not may_view(request.user, sub):
        raise Http404("Không có bài tự đánh giá này.")
    if role_of(request.user) not in UNIT_ROLES | SO_ROLES:
        raise PermissionDenied("Trang này dành cho đơn vị và Sở.")
    return sub


def _own(request: HttpRequest, sub_id: int) -> Submission:
    """The submission for a write: only the unit's own people."""
    sub = _submission(request, sub_id)
    if not is_own_unit(request.user, sub):
        raise PermissionDenied("Chỉ đơn vị có bài tự đánh giá này được sửa.")
    return sub


def _entry(sub: Submission, entry_id: int) -> Entry:
    entry = Entry.objects.filter(pk=entry_id, submission=sub).select_related("updated_by__profile").first()
    if entry is None:
        raise Http404("Không có chỉ số này.")
    entry.submission = sub
    return entry


def _row(sub: Submission, entry: Entry) -> Row:
    tier = plan_for(sub.campaign).tier(sub.tier)
    try:
        r = tier.row(entry.code)
    except KeyError:
        raise Http404("Chỉ số này không còn trong bộ chỉ số của đợt đánh giá.") from None
    files = list(EvidenceFile.objects.filter(entry=entry).order_by("uploaded_at", "id"))
    return Row(entry, r.code, r.name, r.max_points, r.method, r.evidence, files)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0  # no version sent: treated as stale, so nothing is overwritten blindly


def _form_url(sub: Submission, entry: Entry | None = None) -> str:
    url = reverse("selfassess:form", args=[sub.pk])
    return f"{url}#chi-so-{entry.pk}" if entry is not None else url


# --------------------------------------------------------------------------- the rows as the page shows them


def _decorate(row: Row, *, errors: dict[str, str] | None = None, posted: dict[str, str] | None = None) -> Row:
    """The values a row's inputs show (what the person typed, after a refused save) and its messages."""
    entry = row.entry
    posted = posted or {}
    row.errors = errors or {}
    row.score_text = posted.get(
        "score", points_text(entry.self_score) if entry.self_score is not None else ""
    )
    row.note_text = posted.get("note", entry.self_note)
    row.answer_text = posted.get("answer", entry.answer)
    row.status = _status_text(entry)
    return row


def _status_text(entry: Entry) -> str:
    if entry.updated_by is None:
        return "Chưa lưu lần nào."
    who = services.person_name(entry.updated_by)
    return f"Đã lưu lúc {time_text(entry.updated_at)} ({who})."


def _context(
    request: HttpRequest,
    sub: Submission,
    *,
    errors: dict[int, dict[str, str]] | None = None,
    posted: dict[int, dict[str, str]] | None = None,
    action_errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    plan = plan_for(sub.campaign)
    tier = plan.tier(sub.tier)
    now = clock.now()
    ed = editing(sub, request.user, now, plan)
    blocks = services.blocks(sub, tier)
    for block in blocks:
        for row in block.rows:
            _decorate(row, errors=(errors or {}).get(row.entry.pk), posted=(posted or {}).get(row.entry.pk))
    # available() knows states and roles; the window is the page's to check (a locked form offers no button).
    actions = [t for t in available(sub, request.user) if t.action in UNIT_ACTIONS] if ed.mode else []
    own = is_own_unit(request.user, sub)
    totals = services.Totals(blocks, tier.max_points)
    shown = services.shown_state(sub, ed.window, now)
    return {
        "sub": sub,
        "campaign": sub.campaign,
        "tier": tier,
        "plan": plan,
        "editing": ed,
        "window_status": services.status_line(sub, ed.window, now),
        "deadline": ed.window.last_day,
        "blocks": blocks,
        "totals": totals,
        "missing": services.missing(sub, blocks),
        "shown": shown,
        "actions": actions,
        "action_errors": action_errors or {},
        "history": list(
            StateChange.objects.filter(submission=sub, accepted=True)
            .select_related("by__profile")
            .order_by("at", "id")
        ),
        "own": own,
        "show_appraisal": sub.state in APPRAISAL_SHOWN,
        "max_mb": max_upload_bytes() // (1024 * 1024),
        "now": now,
        "steps": _steps(sub, shown),
    }


STEPS = (
    (State.DRAFT, "Nhập số liệu"),
    (State.AWAITING_APPROVAL, "Lãnh đạo duyệt"),
    (State.SUBMITTED, "Đã gửi Sở"),
    (State.IN_APPRAISAL, "Thẩm định lần 1"),
    (State.EXPLANATIONS, "Giải trình"),
    (State.REAPPRAISAL, "Thẩm định lần 2"),
    (State.FINAL, "Kết quả"),
)


def _steps(sub: Submission, shown: services.ShownState) -> list[dict[str, str]]:
    current = next((n for n, (state, _) in enumerate(STEPS) if state == sub.state), 0)
    steps = [
        {"label": label, "css": "done" if n < current else ("now" if n == current else "")}
        for n, (_, label) in enumerate(STEPS)
    ]
    if shown.overdue:
        # The step the unit stopped at, closed by the deadline: not a step it is "now" working on.
        steps[current] = {"label": f"{steps[current]['label']}: đã khóa", "css": "bad"}
    return steps


def _render_form(request: HttpRequest, sub: Submission, status: int = 200, **kwargs: Any) -> HttpResponse:
    try:
        context = _context(request, sub, **kwargs)
    except (VanbanError, KeyError):
        # The campaign file is being edited into a state that does not read: say so rather than fail.
        return render(request, "selfassess/unavailable.html", {"sub": sub}, status=503)
    return render(request, "selfassess/form.html", context, status=status)


# --------------------------------------------------------------------------- pages


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) not in UNIT_ROLES:
        raise PermissionDenied("Trang này dành cho chuyên viên và lãnh đạo của đơn vị.")
    profile = request.user.profile  # type: ignore[union-attr]
    subs = (
        Submission.objects.filter(unit_filter(request.user), agency_id=profile.agency_id)
        .select_related("campaign", "unit")
        .order_by("-campaign__year", "-campaign_id")
    )
    now = clock.now()
    rows = []
    for sub in subs:
        try:
            plan = plan_for(sub.campaign)
            window = services.window_of(sub, plan)
            tier_name = plan.tier(sub.tier).name
            status, deadline, error = services.status_line(sub, window, now), window.last_day, ""
            shown = services.shown_state(sub, window, now)
        except (VanbanError, KeyError):
            tier_name, status, deadline = sub.tier, "", None
            error = "Hồ sơ đợt đánh giá đang được Sở chỉnh sửa; hãy quay lại sau."
            shown = services.ShownState(sub.get_state_display(), sub.state, False)
        rows.append(
            {
                "sub": sub,
                "tier_name": tier_name,
                "status": status,
                "shown": shown,
                "deadline": short(deadline) if deadline else "",
                "error": error,
                "writable": not error and editing(sub, request.user, now).mode is not None,
            }
        )
    return render(request, "selfassess/index.html", {"rows": rows, "unit": profile.unit})


@login_required
@require_GET
def form(request: HttpRequest, sub_id: int) -> HttpResponse:
    sub = _submission(request, sub_id)
    return _render_form(request, sub)


@login_required
@require_POST
def save(request: HttpRequest, sub_id: int, entry_id: int) -> HttpResponse:
    """One indicator's score and explanation: autosaved by htmx on change, or posted by its «Lưu» button."""
    sub = _own(request, sub_id)
    entry = _entry(sub, entry_id)
    score, note = request.POST.get("score", ""), request.POST.get("note", "")
    posted = {"score": score, "note": note}
    ed = editing(sub, request.user)
    errors: dict[str, str] = {}
    conflict: Entry | None = None
    before = (entry.self_score, entry.self_note)
    if not ed.scores:
        errors["form"] = ed.reason or (
            "Trong giai đoạn giải trình, điểm tự đánh giá và thuyết minh đã gửi không sửa được; chỉ ghi nội dung "
            "giải trình và bổ sung tài liệu."
        )
    else:
        try:
            entry = save_self_score(
                entry, request.user, score=score, note=note, seen_version=_version(request)
            )
        except WriteRefused as exc:
            if exc.current is not None:
                conflict = exc.current
                errors["conflict"] = exc.message
            else:
                errors[exc.field if exc.field in ("score", "note") else "form"] = exc.message
    if not errors and (entry.self_score, entry.self_note) != before:
        record(
            "luu_diem_tu_danh_gia",
            entry,
            user=request.user,
            agency_id=sub.agency_id,
            before={"diem": _points(before[0]), "giai_trinh": before[1]},
            after={"diem": _points(entry.self_score), "giai_trinh": entry.self_note},
            note=f"{sub.unit.name} · {entry.code}",
        )
    if conflict is not None:
        # Show what the other person saved, with its version, and keep what this person typed beside it.
        conflict.submission = sub
        entry = conflict
        errors["unsaved"] = _unsaved_text(posted)
        posted = {}
    if request.htmx:
        row = _decorate(_row(sub, entry), errors=errors, posted=posted if errors else None)
        tier = plan_for(sub.campaign).tier(sub.tier)
        totals = services.totals(sub, tier)
        return _autosaved(
            request,
            row,
            conflict is not None,
            {
                "sub": sub,
                "editing": ed,
                "totals": totals,
                # The list above «Trình lãnh đạo» is read from the same rows as the totals, so both agree.
                "missing": services.missing(sub, totals.blocks),
                "show_appraisal": sub.state in APPRAISAL_SHOWN,
            },
        )
    if errors:
        return _render_form(
            request,
            sub,
            status=409 if conflict is not None else 400,
            errors={entry.pk: errors},
            posted={entry.pk: posted} if posted else None,
        )
    messages.success(request, f"Đã lưu chỉ số {entry.code}.")
    return redirect(_form_url(sub, entry))


def _autosaved(request: HttpRequest, row: Row, conflict: bool, context: dict[str, Any]) -> HttpResponse:
    """The answer to an autosave (always 200: htmx swaps nothing else). A refused save says so in the row's
    status and in a header the form reads to stay marked as changed (the page warns before leaving it)."""
    refused = bool(row.errors) and not conflict
    if refused:
        row.status = "Sửa theo thông báo bên cạnh ô rồi lưu lại."
    response = render(request, "selfassess/_autosave.html", {**context, "row": row, "conflict": conflict})
    if refused:
        response["X-Chua-Luu"] = "1"
    return response


def _points(value: Decimal | None) -> str | None:
    return None if value is None else points_text(value)


def _unsaved_text(unsaved: dict[str, str]) -> str:
    parts = []
    if unsaved.get("score", "").strip():
        parts.append(f"điểm {unsaved['score'].strip()}")
    if unsaved.get("note", "").strip():
        parts.append(f"giải trình «{unsaved['note'].strip()}»")
    if unsaved.get("answer", "").strip():
        parts.append(f"«{unsaved['answer'].strip()}»")
    return ("Nội dung bạn vừa nhập (chưa lưu): " + "; ".join(parts) + ".") if parts else ""


@login_required
@require_POST
def answer(request: HttpRequest, sub_id: int, entry_id: int) -> HttpResponse:
    """The unit's answer to the appraisers on one indicator (explanations phase)."""
    sub = _own(request, sub_id)
    entry = _entry(sub, entry_id)
    text = request.POST.get("answer", "")
    errors: dict[str, str] = {}
    conflict: Entry | None = None
    ed = editing(sub, request.user)
    if "score" in request.POST or "note" in request.POST:
        errors["form"] = (
            "Trong giai đoạn giải trình chỉ ghi nội dung giải trình và bổ sung tài liệu; điểm tự đánh giá và "
            "thuyết minh đã gửi không sửa được."
        )
    elif not ed.answers:
        errors["form"] = ed.reason or "Không phải giai đoạn giải trình."
    else:
        try:
            entry = services.save_answer(entry, request.user, answer=text, seen_version=_version(request))
        except WriteRefused as exc:
            if exc.current is not None:
                conflict = exc.current
                errors["conflict"] = exc.message
            else:
                errors["answer" if exc.field == "answer" else "form"] = exc.message
    posted: dict[str, str] = {"answer": text}
    if conflict is not None:
        conflict.submission = sub
        entry = conflict
        errors["unsaved"] = _unsaved_text(posted)
        posted = {}
    if request.htmx:
        row = _decorate(_row(sub, entry), errors=errors, posted=posted if errors else None)
        return _autosaved(
            request, row, conflict is not None, {"sub": sub, "editing": ed, "answer_mode": True}
        )
    if errors:
        return _render_form(
            request,
            sub,
            status=409 if conflict is not None else 400,
            errors={entry.pk: errors},
            posted={entry.pk: posted} if posted else None,
        )
    messages.success(request, f"Đã lưu nội dung giải trình chỉ số {entry.code}.")
    return redirect(_form_url(sub, entry))


# --------------------------------------------------------------------------- evidence


def _files_response(
    request: HttpRequest, sub: Submission, entry: Entry, *, error: str = "", notice: str = ""
) -> HttpResponse:
    row = _decorate(_row(sub, entry), errors={"upload": error} if error else None)
    return render(
        request,
        "selfassess/_files.html",
        {
            "row": row,
            "sub": sub,
            "editing": editing(sub, request.user),
            "own": is_own_unit(request.user, sub),
            "upload_notice": notice,
            "max_mb": max_upload_bytes() // (1024 * 1024),
        },
    )


@login_required
@require_POST
def upload(request: HttpRequest, sub_id: int, entry_id: int) -> HttpResponse:
    sub = _own(request, sub_id)
    entry = _entry(sub, entry_id)
    try:
        evidence = services.store_evidence(entry, request.user, request.FILES.get("file"))
    except (UploadRefused, WriteRefused) as exc:
        if request.htmx:
            return _files_response(request, sub, entry, error=exc.message)
        return _render_form(request, sub, status=400, errors={entry.pk: {"upload": exc.message}})
    services.start_verification(evidence, request.user)
    notice = f"Đã nhận tệp «{evidence.name}»; kết quả kiểm tra chữ ký số hiện bên cạnh tệp."
    if request.htmx:
        return _files_response(request, sub, entry, notice=notice)
    messages.success(request, notice)
    return redirect(_form_url(sub, entry))


def _file(sub: Submission, file_id: int) -> EvidenceFile:
    evidence = EvidenceFile.objects.filter(pk=file_id, entry__submission=sub).select_related("entry").first()
    if evidence is None:
        raise Http404("Không có tệp này.")
    evidence.entry.submission = sub
    return evidence


@login_required
@require_GET
def file_status(request: HttpRequest, sub_id: int, file_id: int) -> HttpResponse:
    """One file's line, polled by the page until its verdict arrives."""
    sub = _submission(request, sub_id)
    evidence = _file(sub, file_id)
    return render(
        request,
        "selfassess/_file.html",
        {
            "f": evidence,
            "sub": sub,
            "editing": editing(sub, request.user),
            "own": is_own_unit(request.user, sub),
        },
    )


@login_required
@require_GET
def download(request: HttpRequest, sub_id: int, file_id: int) -> HttpResponse:
    """A stored evidence file, as uploaded: to the unit itself, the Sở, and the appraisers assigned to it."""
    evidence = (
        EvidenceFile.objects.filter(pk=file_id, entry__submission_id=sub_id)
        .select_related("entry__submission__campaign", "entry__submission__unit")
        .first()
    )
    if evidence is None or not services.may_download(request.user, evidence):
        raise Http404("Không có tệp này.")
    try:
        path = files_path(evidence.stored)
    except FileNotFoundError:
        raise Http404("Không có tệp này.") from None
    sub = evidence.entry.submission
    record(
        "tai_ve_tai_lieu_kiem_chung",
        evidence,
        user=request.user,
        agency_id=sub.agency_id,
        note=f"{sub.unit.name} · {evidence.entry.code}",
    )
    return file_response(path, evidence.name)


@login_required
@require_POST
def withdraw(request: HttpRequest, sub_id: int, file_id: int) -> HttpResponse:
    sub = _own(request, sub_id)
    evidence = _file(sub, file_id)
    try:
        services.withdraw_evidence(evidence, request.user)
    except WriteRefused as exc:
        if request.htmx:
            return _files_response(request, sub, evidence.entry, error=exc.message)
        messages.error(request, exc.message)
        return redirect(_form_url(sub, evidence.entry))
    notice = f"Đã rút tệp «{evidence.name}» khỏi bài tự đánh giá (tệp vẫn được lưu trong hồ sơ)."
    if request.htmx:
        return _files_response(request, sub, evidence.entry, notice=notice)
    messages.success(request, notice)
    return redirect(_form_url(sub, evidence.entry))


# --------------------------------------------------------------------------- the state machine


@login_required
@require_POST
def act(request: HttpRequest, sub_id: int, action: str) -> HttpResponse:
    """«Trình lãnh đạo», «Trả lại chuyên viên», «Xác nhận số liệu», «Gửi giải trình»."""
    if action not in UNIT_ACTIONS:
        raise Http404("Không có thao tác này.")
    sub = _own(request, sub_id)
    comment = request.POST.get("comment", "")
    try:
        if action == "xac_nhan":
            done = confirm(sub, request.user, seen_version=_version(request), comment=comment)
        else:
            done = take(sub, action, request.user, comment=comment, seen_version=_version(request))
    except TransitionRefused as exc:
        if exc.field == "comment":
            return _render_form(request, sub, status=400, action_errors={action: exc.message})
        messages.error(request, exc.message)
        return redirect(_form_url(sub))
    messages.success(request, BY_ACTION[action].done)
    if action == "xac_nhan" and done.receipt_sha256:
        return redirect("selfassess:receipt", sub_id=sub.pk)
    return redirect(_form_url(sub))


# --------------------------------------------------------------------------- receipt and history


def _receipt_context(sub: Submission) -> dict[str, Any]:
    if not sub.receipt_sha256:
        raise Http404("Bài tự đánh giá chưa được xác nhận: chưa có biên nhận.")
    try:
        tier = plan_for(sub.campaign).tier(sub.tier)
        names = {r.code: r.name for r in tier.rows}
    except (VanbanError, KeyError):
        names = {}
    rows = []
    total = Decimal(0)
    for item in sub.receipt.get("chi_so", []):
        score = item.get("diem")
        try:
            value = Decimal(score) if score is not None else None
        except InvalidOperation:
            value = None
        if value is not None:
            total += value
        rows.append(
            {
                "code": item.get("ma_chi_so", ""),
                "name": names.get(item.get("ma_chi_so", ""), ""),
                "score": points_text(value) if value is not None else "chưa nhập",
                "note": item.get("giai_trinh", ""),
                "files": item.get("tai_lieu", []),
            }
        )
    moment = sub.receipt.get("thoi_diem", "")
    return {
        "sub": sub,
        "receipt": sub.receipt,
        "rows": rows,
        "total": points_text(total),
        "moment": time_text(moment) if moment else "",
        "by": services.person_name(sub.submitted_by) if sub.submitted_by else "",
        "file_count": sum(len(r["files"]) for r in rows),
    }


@login_required
@require_GET
def receipt(request: HttpRequest, sub_id: int) -> HttpResponse:
    sub = _submission(request, sub_id)
    return render(request, "selfassess/receipt.html", _receipt_context(sub))


def _receipt_name(sub: Submission, suffix: str) -> str:
    return f"bien-nhan-{sub.campaign.slug}-{sub.unit.code}.{suffix}"


@login_required
@require_GET
def receipt_json(request: HttpRequest, sub_id: int) -> HttpResponse:
    """The receipt's exact bytes: their SHA-256 is the receipt's code."""
    sub = _submission(request, sub_id)
    if not sub.receipt_sha256:
        raise Http404("Chưa có biên nhận.")
    record("tai_ve_bien_nhan", sub, user=request.user, note=sub.receipt_sha256)
    response = HttpResponse(services.receipt_bytes(sub), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_receipt_name(sub, "json")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def receipt_html(request: HttpRequest, sub_id: int) -> HttpResponse:
    """The printable receipt as one self-contained HTML file to keep with the unit's records."""
    sub = _submission(request, sub_id)
    response = render(request, "selfassess/receipt_file.html", _receipt_context(sub))
    response["Content-Disposition"] = f'attachment; filename="{_receipt_name(sub, "html")}"'
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def history(request: HttpRequest, sub_id: int) -> HttpResponse:
    """Every change of every score of this submission: who, when, at which stage, from what, to what, why."""
    sub = _submission(request, sub_id)
    try:
        tier = plan_for(sub.campaign).tier(sub.tier)
        order = {r.code: (n, r.name) for n, r in enumerate(tier.rows)}
    except (VanbanError, KeyError):
        order = {}
    changes = list(
        ScoreChange.objects.filter(entry__submission=sub).select_related("entry").order_by("at", "id")
    )
    grouped: dict[str, dict[str, Any]] = {}
    for c in changes:
        code = c.entry.code
        group = grouped.setdefault(
            code, {"code": code, "name": order.get(code, (0, ""))[1], "entry": c.entry, "changes": []}
        )
        group["changes"].append(
            {
                "who": c.by_name,
                "when": time_text(c.at),
                "stage": c.get_stage_display(),
                "appraisal": c.stage != Stage.SELF,
                "old": _points(c.old) or "—",
                "new": _points(c.new) or "—",
                "reason": c.reason,
            }
        )
    groups = sorted(grouped.values(), key=lambda g: order.get(g["code"], (10**6, ""))[0])
    return render(request, "selfassess/history.html", {"sub": sub, "groups": groups, "count": len(changes)})
