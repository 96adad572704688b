"""The appraisers' and the Sở's pages: the submissions to appraise, one submission's indicators with the unit's
score, explanation and evidence beside the appraisal form, the transitions (one unit or many), and the history
of every score.

Every view checks the role (thẩm định viên, chuyên viên Sở, lãnh đạo Sở) and the scope: a submission outside
what this person sees is a 404, an indicator outside their assignment a 403. Writes go through
`web.assessment.services.save_appraisal` and `web.appraisal.services.take_checked` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from letters.core.errors import VanbanError
from letters.usecases.online import EXPLANATIONS, IndexRow, IndicatorRow, OnlinePlan
from web.accounts.models import Role
from web.accounts.roles import agency_of, role_of
from web.appraisal import services
from web.assessment import clock
from web.assessment.models import (
    Assignment,
    Entry,
    EvidenceFile,
    ScoreChange,
    Stage,
    State,
    StateChange,
    Submission,
)
from web.assessment.plans import plan_for
from web.assessment.scope import appraisable_indices, assignment_of, may_appraise, may_view
from web.assessment.services import WriteRefused, save_appraisal
from web.assessment.states import BY_ACTION, TransitionRefused, available, transition
from web.audit.log import record
from web.campaigns.models import Campaign
from web.evidence.services import describe_error

PER_PAGE = 100
# The states in the order a submission passes them on its way through the Sở (the page's progress steps).
STEPS = (State.SUBMITTED, State.IN_APPRAISAL, State.EXPLANATIONS, State.REAPPRAISAL, State.FINAL)
STATE_BADGE = {
    State.SUBMITTED: "warn",
    State.IN_APPRAISAL: "info",
    State.EXPLANATIONS: "warn",
    State.REAPPRAISAL: "info",
    State.FINAL: "ok",
}


# --------------------------------------------------------------------------- access


def _require_role(request: HttpRequest) -> None:
    if role_of(request.user) not in services.PAGE_ROLES:
        raise PermissionDenied("Trang thẩm định dành cho thẩm định viên, chuyên viên và lãnh đạo Sở.")


def _submission_for(request: HttpRequest, submission_id: int) -> Submission:
    """The submission if this person sees it (404 otherwise: no hint that it exists)."""
    _require_role(request)
    sub = (
        Submission.objects.select_related("campaign", "unit__parent")
        .filter(pk=submission_id, agency_id=agency_of(request.user))
        .first()
    )
    if sub is None or not may_view(request.user, sub):
        raise Http404("Không có bài đánh giá này.")
    return sub


def _campaigns(request: HttpRequest) -> list[Campaign]:
    """The campaigns with an online appraisal for this person: an appraiser's assigned ones, every campaign of
    the agency with submissions for the Sở."""
    qs = Campaign.objects.filter(agency_id=agency_of(request.user))
    if role_of(request.user) == Role.APPRAISER:
        qs = qs.filter(Exists(Assignment.objects.filter(campaign=OuterRef("pk"), user=request.user)))
    else:
        qs = qs.filter(Exists(Submission.objects.filter(campaign=OuterRef("pk"))))
    return list(qs.order_by("-year", "-pk"))


def _plan(campaign: Campaign) -> tuple[OnlinePlan | None, str]:
    try:
        return plan_for(campaign), ""
    except VanbanError as exc:
        return None, describe_error(exc)


# --------------------------------------------------------------------------- index


def _progress(sub: Submission) -> tuple[str, str]:
    """The count shown for the submission's current round, and a word on what it means."""
    round_no = services.round_of(sub)
    n_all = getattr(sub, "n_entries", 0)
    if round_no == 2:
        return f"{sub.n_done_2}/{n_all}", "quyết định lần 2"  # type: ignore[attr-defined]
    if sub.state in (State.IN_APPRAISAL, State.EXPLANATIONS):
        return f"{sub.n_done_1}/{n_all}", "thẩm định lần 1"  # type: ignore[attr-defined]
    return "", ""


def _mine(sub: Submission) -> str:
    if not hasattr(sub, "n_mine"):
        return ""
    done = sub.n_mine_2 if services.round_of(sub) == 2 else sub.n_mine_1  # type: ignore[attr-defined]
    return f"{done}/{sub.n_mine}"  # type: ignore[attr-defined]


def _assignment_text(assignment: Assignment | None, plan: OnlinePlan) -> str:
    if assignment is None:
        return ""
    parts = []
    names = {t.id: t.name for t in plan.tiers}
    if assignment.tiers:
        parts.append("nhóm " + "; ".join(names.get(t, t) for t in assignment.tiers))
    if assignment.parent_unit_id:
        parts.append(f"các đơn vị trực thuộc {assignment.parent_unit.name}")  # type: ignore[union-attr]
    if assignment.indices:
        parts.append("chỉ số chính " + ", ".join(str(i) for i in assignment.indices))
    body = f"{assignment.body}: " if assignment.body else ""
    return body + ("; ".join(parts) if parts else "mọi đơn vị và chỉ số của đợt")


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _require_role(request)
    campaigns = _campaigns(request)
    context: dict[str, Any] = {"campaigns": campaigns}
    if not campaigns:
        return render(request, "appraisal/index.html", context)
    wanted = request.GET.get("dot", "")
    campaign = next((c for c in campaigns if str(c.pk) == wanted), campaigns[0])
    plan, problem = _plan(campaign)
    context.update(campaign=campaign, problem=problem)
    if plan is None:
        return render(request, "appraisal/index.html", context)
    tiers = {t.id: t for t in plan.tiers}
    tier = request.GET.get("nhom", "")
    tier = tier if tier in tiers else ""
    state = request.GET.get("trang_thai", "")
    state = state if state in State.values else ""
    search = request.GET.get("q", "").strip()[:100]
    qs = services.filtered_submissions(request.user, campaign, tier=tier, state=state, search=search)
    page = Paginator(services.ordered_ids(qs, plan), PER_PAGE).get_page(request.GET.get("trang"))
    rows = []
    for sub in services.with_counts(request.user, campaign, plan, list(page.object_list)):
        count, meaning = _progress(sub)
        rows.append(
            {
                "sub": sub,
                "tier": tiers[sub.tier].short if sub.tier in tiers else sub.tier,
                "badge": STATE_BADGE.get(sub.state, ""),  # type: ignore[call-overload]
                "count": count,
                "meaning": meaning,
                "mine": _mine(sub),
            }
        )
    counts = services.counts_by_tier_and_state(request.user, campaign)
    tier_tabs = [
        {"id": t.id, "name": t.name, "n": sum(counts.get(t.id, {}).values())}
        for t in plan.tiers
        if t.id in counts
    ]
    in_tier = counts.get(tier, {}) if tier else _sum_states(counts)
    state_tabs = [
        {"id": value, "name": label, "n": in_tier.get(value, 0)}
        for value, label in State.choices
        if in_tier.get(value, 0) or value == state
    ]
    filters = {"dot": campaign.pk, "nhom": tier, "trang_thai": state, "q": search}
    assignment = assignment_of(request.user, campaign.pk)
    context.update(
        plan=plan,
        tiers=tiers,
        tier=tier,
        tier_name=tiers[tier].name if tier else "",
        state=state,
        search=search,
        page=page,
        rows=rows,
        tier_tabs=tier_tabs,
        state_tabs=state_tabs,
        total=sum(sum(c.values()) for c in counts.values()),
        has_parents=any(t.appraised_by for t in plan.tiers),
        has_mine=bool(assignment is not None and assignment.indices),
        assignment_text=_assignment_text(assignment, plan),
        bulk=services.bulk_transitions(request.user),
        page_query=_query(filters),
        # Choosing another tier starts from every state (a state filter rarely means the same elsewhere).
        tier_links=[{**t, "query": _query(filters, nhom=t["id"], trang_thai="")} for t in tier_tabs],
        all_tiers_query=_query(filters, nhom="", trang_thai=""),
        state_links=[{**s, "query": _query(filters, trang_thai=s["id"])} for s in state_tabs],
        all_states_query=_query(filters, trang_thai=""),
    )
    return render(request, "appraisal/index.html", context)


def _query(filters: dict[str, Any], **changes: Any) -> str:
    return urlencode({k: v for k, v in {**filters, **changes}.items() if v})


def _sum_states(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for by_state in counts.values():
        for key, n in by_state.items():
            total[key] = total.get(key, 0) + n
    return total


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One transition for the chosen submissions, or for every submission of the chosen tier that is in a state
    the transition leaves; each through the state machine on its own, the outcome counted and explained."""
    _require_role(request)
    campaign = next((c for c in _campaigns(request) if str(c.pk) == request.POST.get("dot", "")), None)
    if campaign is None:
        raise Http404("Không có đợt đánh giá này.")
    tier = request.POST.get("nhom", "")
    state = request.POST.get("trang_thai", "")
    search = request.POST.get("q", "").strip()[:100]
    back = (
        reverse("appraisal:index")
        + "?"
        + _query({"dot": campaign.pk, "nhom": tier, "trang_thai": state, "q": search})
    )
    allowed = {t.action: t for t in services.bulk_transitions(request.user)}
    t = allowed.get(request.POST.get("action", ""))
    if t is None:
        messages.error(request, "Hãy chọn một thao tác được phép.")
        return redirect(back)
    from web.assessment.scope import visible_submissions

    qs = visible_submissions(request.user, campaign).select_related("unit", "campaign")
    if request.POST.get("pham_vi") == "tat_ca":
        if not tier:
            messages.error(request, "Hãy chọn một nhóm đơn vị trước khi áp dụng cho tất cả đơn vị của nhóm.")
            return redirect(back)
        qs = qs.filter(tier=tier, state__in=t.sources)
        if state:
            qs = qs.filter(state=state)
        if search:
            qs = qs.filter(unit__name__icontains=search)
    else:
        ids = [int(v) for v in request.POST.getlist("chon") if v.isdigit()]
        if not ids:
            messages.error(
                request, "Hãy đánh dấu các đơn vị cần thực hiện, hoặc chọn «Tất cả đơn vị của nhóm»."
            )
            return redirect(back)
        qs = qs.filter(pk__in=ids)
    result = services.bulk_take(list(qs.order_by("unit__name", "pk")), t.action, request.user)
    if result.done:
        messages.success(request, result.summary())
    else:
        messages.warning(request, result.summary())
    for line in result.reasons():
        messages.error(request, line)
    return redirect(back)


# --------------------------------------------------------------------------- one submission


@dataclass
class Row:
    """One indicator on the appraisal page: the plan's row, the entry, its files, and what this person may do."""

    row: IndicatorRow
    entry: Entry
    files: list[EvidenceFile]
    round_no: int | None
    editable: bool
    downloadable: bool = True  # an appraiser of some indices opens only their files (selfassess:file's rule)
    error: str = ""
    error_field: str = ""
    conflict: bool = False
    typed_score: str | None = None
    typed_reason: str | None = None
    saved: bool = False

    @property
    def dom_id(self) -> str:
        return f"chi-so-{self.entry.pk}"

    @property
    def decided(self) -> bool:
        if self.round_no == 2:
            return self.entry.appraised_2_at is not None
        return self.entry.appraised_1_at is not None

    @property
    def base(self) -> Decimal | None:
        """What «Chấp nhận» keeps: the unit's score in round 1, round 1's in round 2."""
        e = self.entry
        if self.round_no == 2 and e.score_1 is not None:
            return e.score_1
        return e.self_score

    @property
    def input_score(self) -> str:
        if self.typed_score is not None:
            return self.typed_score
        value = self.entry.score_2 if self.round_no == 2 else self.entry.score_1
        from letters.core.vn import points_text

        return points_text(value) if value is not None and self.decided else ""

    @property
    def input_reason(self) -> str:
        if self.typed_reason is not None:
            return self.typed_reason
        if not self.decided:
            return ""
        return self.entry.comment_2 if self.round_no == 2 else self.entry.comment_1

    @property
    def new_files(self) -> list[EvidenceFile]:
        return [f for f in self.files if f.stage == Stage.EXPLANATIONS]

    @property
    def css(self) -> str:
        """The row's left border: green decided, amber waiting in round 1, blue where round 2 has something new to
        read (the unit's answer or files), plain otherwise (round 2 keeps round 1 without a decision)."""
        if not self.editable:
            return "readonly"
        if self.decided:
            return "decided"
        if self.round_no == 2:
            return "attention" if self.entry.answer or self.new_files else ""
        return "pending"


def _entries(sub: Submission) -> dict[str, Entry]:
    qs = sub.entries.select_related(
        "appraised_1_by__profile", "appraised_2_by__profile", "updated_by__profile"
    )
    return {e.code: e for e in qs}


def _files(sub: Submission) -> dict[int, list[EvidenceFile]]:
    out: dict[int, list[EvidenceFile]] = {}
    qs = EvidenceFile.objects.filter(entry__submission=sub, withdrawn_at__isnull=True).order_by(
        "uploaded_at", "id"
    )
    for f in qs:
        out.setdefault(f.entry_id, []).append(f)
    return out


def _readonly_reason(
    request: HttpRequest, sub: Submission, plan: OnlinePlan, allowed: set[str] | None
) -> str:
    role = role_of(request.user)
    if role == Role.SO_LEADER:
        return "Lãnh đạo Sở xem kết quả thẩm định; thẩm định viên và chuyên viên Sở được phân công chấm điểm."
    tier = plan.tier(sub.tier)
    if role == Role.SO_STAFF and tier.appraised_by:
        by = plan.tier(tier.appraised_by).name
        return (
            f"Đơn vị thuộc nhóm «{tier.name}» do {by} thẩm định; Sở theo dõi và chuyển trạng thái, không chấm "
            "điểm thay."
        )
    if allowed is not None and allowed:
        return (
            "Bạn được phân công thẩm định chỉ số chính "
            + ", ".join(sorted(allowed))
            + "; các chỉ số khác chỉ xem."
        )
    if allowed is not None:
        return "Bạn không được phân công thẩm định đơn vị này; trang chỉ để xem."
    return ""


def _rows(
    request: HttpRequest, sub: Submission, plan: OnlinePlan
) -> tuple[list[tuple[IndexRow, list[Row]]], set[str] | None, bool]:
    tier = plan.tier(sub.tier)
    round_no = services.round_of(sub)
    can = may_appraise(request.user, sub)
    allowed = appraisable_indices(request.user, sub) if can else set()
    entries = _entries(sub)
    files = _files(sub)
    groups: list[tuple[IndexRow, list[Row]]] = []
    by_index: dict[str, list[Row]] = {}
    for index in tier.indices:
        by_index[index.code] = []
        groups.append((index, by_index[index.code]))
    for row in tier.rows:
        entry = entries.get(row.code)
        if entry is None:
            continue  # an indicator added to the file after the submission was made: ensure_submissions adds it
        assigned = can and (allowed is None or row.index_code in allowed)
        downloadable = assigned or role_of(request.user) != Role.APPRAISER
        by_index.setdefault(row.index_code, []).append(
            Row(
                row, entry, files.get(entry.pk, []), round_no, round_no is not None and assigned, downloadable
            )
        )
    return [(i, rs) for i, rs in groups if rs], allowed, can


def _progress_of(groups: list[tuple[IndexRow, list[Row]]]) -> dict[str, Any]:
    rows = [r for _, rs in groups for r in rs]
    mine = [r for r in rows if r.editable]
    return {
        "total": len(rows),
        "decided": sum(1 for r in rows if r.decided),
        "mine": len(mine),
        "mine_decided": sum(1 for r in mine if r.decided),
        "self_total": sum((r.entry.self_score or Decimal(0) for r in rows), Decimal(0)),
        "final_total": sum((r.entry.final_score or Decimal(0) for r in rows), Decimal(0)),
    }


def _page_context(request: HttpRequest, sub: Submission, replaced: Row | None = None) -> dict[str, Any]:
    plan = plan_for(sub.campaign)
    groups, allowed, can = _rows(request, sub, plan)
    if replaced is not None:
        groups = [(i, [replaced if r.entry.pk == replaced.entry.pk else r for r in rs]) for i, rs in groups]
    round_no = services.round_of(sub)
    tier = plan.tier(sub.tier)
    explanations = None
    if sub.state == State.EXPLANATIONS:
        from web.assessment.windows import for_unit

        explanations = for_unit(plan, sub.campaign_id, sub.unit_id, sub.tier, EXPLANATIONS).status(
            clock.now()
        )
    step_index = STEPS.index(sub.state) if sub.state in STEPS else -1  # type: ignore[arg-type]
    return {
        "sub": sub,
        "campaign": sub.campaign,
        "tier": tier,
        "groups": groups,
        "round_no": round_no,
        "progress": _progress_of(groups),
        "can_appraise": can and round_no is not None,
        "readonly_reason": "" if can and allowed is None else _readonly_reason(request, sub, plan, allowed),
        "transitions": available(sub, request.user),
        "explanations": explanations,
        "steps": [
            {"label": s.label, "cls": "done" if i < step_index else ("now" if i == step_index else "")}
            for i, s in enumerate(STEPS)
        ],
        "badge": STATE_BADGE.get(sub.state, ""),  # type: ignore[call-overload]
    }


@login_required
@require_GET
def submission(request: HttpRequest, submission_id: int) -> HttpResponse:
    sub = _submission_for(request, submission_id)
    try:
        context = _page_context(request, sub)
    except (VanbanError, KeyError) as exc:
        problem = (
            describe_error(exc) if isinstance(exc, VanbanError) else "Nhóm đơn vị không còn trong hồ sơ."
        )
        return render(request, "appraisal/problem.html", {"sub": sub, "problem": problem}, status=500)
    return render(request, "appraisal/submission.html", context)


def _entry_row(sub: Submission, entry: Entry, plan: OnlinePlan, request: HttpRequest) -> Row:
    fresh = (
        Entry.objects.select_related(
            "appraised_1_by__profile", "appraised_2_by__profile", "updated_by__profile"
        )
        .filter(pk=entry.pk)
        .first()
    )
    assert fresh is not None
    files = _files_of(fresh)
    row = plan.tier(sub.tier).row(entry.code)
    allowed = appraisable_indices(request.user, sub)
    round_no = services.round_of(sub)
    editable = round_no is not None and (allowed is None or row.index_code in allowed)
    return Row(row, fresh, files, round_no, editable)


def _files_of(entry: Entry) -> list[EvidenceFile]:
    return list(entry.files.filter(withdrawn_at__isnull=True).order_by("uploaded_at", "id"))


@login_required
@require_POST
def save_entry(request: HttpRequest, submission_id: int, entry_id: int) -> HttpResponse:
    """«Chấp nhận» or a score with its reason for one indicator; htmx swaps the row, a plain form post comes
    back to the page at the row. A refusal is shown beside the field with what the person typed kept."""
    sub = _submission_for(request, submission_id)
    entry = Entry.objects.filter(pk=entry_id, submission=sub).first()
    if entry is None:
        raise Http404("Không có chỉ số này.")
    entry.submission = sub
    plan = plan_for(sub.campaign)
    try:
        row = plan.tier(sub.tier).row(entry.code)
    except KeyError:
        raise Http404("Chỉ số không còn trong bộ chỉ số của đợt.") from None
    allowed = appraisable_indices(request.user, sub)
    if not may_appraise(request.user, sub) or (allowed is not None and row.index_code not in allowed):
        raise PermissionDenied("Chỉ số này không thuộc lĩnh vực được phân công cho bạn thẩm định.")
    accept = request.POST.get("decision") == "accept"
    score = request.POST.get("score", "")
    reason = request.POST.get("reason", "").strip()
    round_no = services.round_of(sub)
    error: WriteRefused | None = None
    saved: Entry | None = None
    try:
        seen = int(request.POST.get("version", ""))
    except ValueError:
        seen = -1
    if round_no is None:
        error = WriteRefused(
            f"Bài của đơn vị đang ở trạng thái «{sub.get_state_display()}»: không trong thời gian thẩm định."
        )
    elif seen < 0:
        error = WriteRefused("Trang đã cũ; hãy tải lại trang rồi lưu lại.")
    else:
        base = (
            entry.self_score
            if round_no == 1
            else (entry.score_1 if entry.score_1 is not None else entry.self_score)
        )
        if accept and base is None:
            error = WriteRefused(
                "Đơn vị chưa chấm điểm chỉ số này nên không có điểm để chấp nhận: hãy nhập điểm thẩm định "
                "(có thể là 0) và ghi lý do.",
                field="score",
            )
        else:
            if accept and round_no == 2 and not reason:
                reason = "Giữ nguyên điểm thẩm định lần 1."
            try:
                before = {"diem": _text(getattr(entry, f"score_{round_no}"))}
                saved = save_appraisal(
                    entry,
                    request.user,
                    round_no=round_no,
                    accept=accept,
                    score=score,
                    reason=reason,
                    seen_version=seen,
                )
            except WriteRefused as exc:
                error = exc
            else:
                record(
                    f"tham_dinh_lan_{round_no}",
                    saved,
                    agency_id=sub.agency_id,
                    before=before,
                    after={"diem": _text(getattr(saved, f"score_{round_no}")), "chap_nhan": accept},
                    note=f"{sub.unit.name} · chỉ số {entry.code}: {reason}",
                )
    if saved is not None:
        if request.htmx:
            r = _entry_row(sub, saved, plan, request)
            r.saved = True
            return _row_response(request, sub, r)
        messages.success(request, f"Đã lưu thẩm định chỉ số {entry.code}.")
        return redirect(reverse("appraisal:submission", args=[sub.pk]) + f"#chi-so-{entry.pk}")
    assert error is not None
    r = _entry_row(sub, error.current or entry, plan, request)
    r.error, r.error_field = error.message, error.field or ""
    r.conflict = error.current is not None
    r.typed_score, r.typed_reason = score, request.POST.get("reason", "")
    if request.htmx:
        return _row_response(request, sub, r)  # 200: htmx swaps only successful responses
    messages.error(request, f"Chưa lưu thẩm định chỉ số {entry.code}: {error.message}")
    status = 409 if error.current is not None else 400
    return render(
        request, "appraisal/submission.html", _page_context(request, sub, replaced=r), status=status
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _row_response(request: HttpRequest, sub: Submission, r: Row) -> HttpResponse:
    plan = plan_for(sub.campaign)
    groups, _, _ = _rows(request, sub, plan)
    return render(
        request,
        "appraisal/_entry_response.html",
        {"r": r, "sub": sub, "round_no": r.round_no, "progress": _progress_of(groups), "can_appraise": True},
    )


@login_required
@require_POST
def change_state(request: HttpRequest, submission_id: int) -> HttpResponse:
    sub = _submission_for(request, submission_id)
    action = request.POST.get("action", "")
    try:
        seen = int(request.POST.get("version", ""))
    except ValueError:
        seen = None
    try:
        t = transition(action)
        services.take_checked(
            sub, action, request.user, comment=request.POST.get("comment", ""), seen_version=seen
        )
    except TransitionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{sub.unit.name}: {t.done}")
    return redirect("appraisal:submission", sub.pk)


# --------------------------------------------------------------------------- history


@login_required
@require_GET
def history(request: HttpRequest, submission_id: int) -> HttpResponse:
    sub = _submission_for(request, submission_id)
    plan, problem = _plan(sub.campaign)
    names: dict[str, str] = {}
    if plan is not None:
        try:
            names = {r.code: r.name for r in plan.tier(sub.tier).rows}
        except KeyError:
            names = {}
    changes = list(
        ScoreChange.objects.filter(entry__submission=sub).select_related("entry").order_by("at", "id")
    )
    for c in changes:
        c.indicator_name = names.get(c.entry.code, "")  # type: ignore[attr-defined]
    states = list(StateChange.objects.filter(submission=sub).order_by("at", "id"))
    for s in states:
        t = BY_ACTION.get(s.action)
        s.label = t.label if t is not None else s.action  # type: ignore[attr-defined]
    return render(
        request,
        "appraisal/history.html",
        {"sub": sub, "campaign": sub.campaign, "changes": changes, "states": states, "problem": problem},
    )
