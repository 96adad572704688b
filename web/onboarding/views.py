"""Accounts of a campaign (issue, list, reissue one password, the list files), the appraisers' assignments, and
every person's own contact details.

Only the Sở's chuyên viên and the quản trị of the campaign's agency reach the account pages (403 for any other
role, 404 for another agency's campaign); the list files, which hold first passwords, are served only to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from letters.core.errors import VanbanError
from web.accounts.models import UNIT_ROLES, Profile, Role, Unit
from web.accounts.roles import agency_of
from web.assessment.models import Assignment, IssuedAccount
from web.assessment.plans import plan_for
from web.audit.log import record
from web.campaigns.models import Campaign
from web.evidence.services import describe_error
from web.evidence.storage import file_response
from web.onboarding import services
from web.onboarding.forms import AssignmentForm, IssueForm, ProfileForm

MANAGE = "vanban.manage_onboarding"  # web/onboarding/apps.py: chuyên viên Sở, quản trị, of the agency
NO_STORE = "private, no-store"


def _manager_agency(request: HttpRequest) -> int:
    agency = agency_of(request.user)
    if agency is None or not request.user.has_perm(MANAGE):
        raise PermissionDenied("Chỉ chuyên viên Sở và quản trị của cơ quan cấp, quản lý tài khoản.")
    return agency


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    """The campaign if it is the user's agency's (404 otherwise, never a hint that it exists) and they manage
    its accounts (403 otherwise)."""
    agency = agency_of(request.user)
    campaign = Campaign.objects.filter(pk=campaign_id, agency_id=agency).first() if agency else None
    if campaign is None:
        raise Http404("Không có đợt đánh giá này.")
    if not request.user.has_perm(MANAGE, campaign):
        raise PermissionDenied("Chỉ chuyên viên Sở và quản trị của cơ quan cấp, quản lý tài khoản.")
    return campaign


def _page_url(campaign: Campaign, anchor: str = "") -> str:
    return f"{reverse('onboarding:index')}?dot={campaign.pk}" + (f"#{anchor}" if anchor else "")


# --------------------------------------------------------------------------- the accounts page


@dataclass
class AccountView:
    user: Any
    profile: Profile

    @property
    def status(self) -> tuple[str, str]:
        if not self.user.is_active:
            return "bad", "Đã khóa"
        if self.profile.must_change_password:
            return "warn", "Chưa đổi mật khẩu lần đầu"
        return "ok", "Đang sử dụng"


def _appraiser_order(plan: Any, assignments: Any) -> list[Assignment]:
    """The Sở's own appraisers first, then the departments', then the districts' (by district), whatever the
    database does with empty values in ORDER BY."""

    def key(a: Assignment) -> tuple[int, str, str]:
        group = 2 if a.parent_unit_id else (0 if a.body == plan.issuer else 1)
        return (group, a.parent_unit.name if a.parent_unit_id else a.body, a.user.get_username())

    return sorted(assignments, key=key)


def _scope_text(plan: Any, a: Assignment) -> str:
    """«Cấp sở, cấp xã; chỉ số chính 1, 3»: what one appraiser appraises, in a line."""
    known = {t.id: t.short for t in plan.tiers}
    tiers = ", ".join(known.get(t, t) for t in a.tiers) if a.tiers else "mọi nhóm đơn vị"
    indices = f"chỉ số chính {', '.join(str(i) for i in a.indices)}" if a.indices else "mọi chỉ số chính"
    return services.first_upper(f"{tiers}; {indices}")


def _accounts_context(campaign: Campaign, form: IssueForm | None) -> dict[str, Any]:
    try:
        plan = plan_for(campaign)
    except VanbanError as exc:
        return {"problem": describe_error(exc)}
    units = {u.code: u for u in Unit.objects.filter(agency_id=campaign.agency_id)}
    people: dict[tuple[int, str], list[AccountView]] = {}
    for p in (
        Profile.objects.filter(agency_id=campaign.agency_id, role__in=UNIT_ROLES, unit__isnull=False)
        .select_related("user")
        .order_by("user__username")
    ):
        people.setdefault((p.unit_id, p.role), []).append(AccountView(p.user, p))
    tiers = []
    for tier in plan.tiers:
        rows = []
        for pu in plan.units:
            if pu.tier != tier.id:
                continue
            unit = units.get(pu.key)
            rows.append(
                {
                    "name": pu.name,
                    "staff": people.get((unit.pk, Role.UNIT_STAFF), []) if unit else [],
                    "leaders": people.get((unit.pk, Role.UNIT_LEADER), []) if unit else [],
                }
            )
        tiers.append({"id": tier.id, "name": tier.name, "rows": rows})
    appraisers = [
        {"a": a, "account": AccountView(a.user, a.user.profile), "scope": _scope_text(plan, a)}
        for a in _appraiser_order(
            plan,
            Assignment.objects.filter(campaign=campaign, user__profile__isnull=False).select_related(
                "user", "user__profile", "parent_unit"
            ),
        )
    ]
    so_count = sum(1 for x in appraisers if x["a"].parent_unit_id is None and x["a"].body == plan.issuer)
    wanted = max(so_count, services.SO_APPRAISERS_DEFAULT)
    if form is None:
        form = IssueForm(initial={"so_appraisers": wanted})
    elif form.is_bound and form.is_valid():
        wanted = form.cleaned_data["so_appraisers"]
    need = services.needed(campaign, wanted, units)
    missing = {k: 0 for k in services.KIND_ROLE}
    for slot in need.missing:
        missing[slot.kind] += 1
    district_rules = [
        {"tier": t.short, "by": plan.tier(t.appraised_by).short}
        for t in plan.tiers
        if t.appraised_by and any(x.id == t.appraised_by for x in plan.tiers)
    ]
    return {
        "plan": plan,
        "district_rules": district_rules,
        "tiers": tiers,
        "appraisers": appraisers,
        "so_count": so_count,
        "need": need,
        "missing": missing,
        "missing_total": len(need.missing),
        "issued_count": IssuedAccount.objects.filter(campaign=campaign).count(),
        "batches": services.batches(campaign),
        "form": form,
    }


@login_required
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    agency = _manager_agency(request)
    # The latest first, as the header's links choose it.
    campaigns = list(Campaign.objects.filter(agency_id=agency).order_by("-year", "-pk"))
    chosen = request.GET.get("dot", "")
    campaign = None
    if chosen:
        campaign = next((c for c in campaigns if str(c.pk) == chosen), None)
        if campaign is None:
            raise Http404("Không có đợt đánh giá này.")
    elif campaigns:
        campaign = campaigns[0]
    context: dict[str, Any] = {"campaigns": campaigns, "campaign": campaign}
    if campaign is not None:
        context.update(_accounts_context(campaign, None))
    response = render(request, "onboarding/index.html", context)
    response["Cache-Control"] = NO_STORE
    return response


def _summary(issued: services.Issuance) -> str:
    parts = []
    labels = {
        IssuedAccount.Kind.STAFF: "chuyên viên",
        IssuedAccount.Kind.LEADER: "lãnh đạo",
        IssuedAccount.Kind.APPRAISER: "thẩm định viên",
    }
    for kind, label in labels.items():
        if issued.by_kind.get(kind):
            parts.append(f"{issued.by_kind[kind]} {label}")
    text = f"Đã cấp {len(issued.lines)} tài khoản mới ({', '.join(parts)})." if issued.lines else ""
    if issued.reused:
        text += (
            f" {issued.reused} thẩm định viên của các đợt trước được phân công tiếp, giữ nguyên tài khoản và "
            "mật khẩu."
        )
    if issued.existing:
        text += f" {issued.existing} tài khoản đã có được giữ nguyên."
    return text.strip()


@login_required
@require_POST
def issue(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    form = IssueForm(request.POST)
    if not form.is_valid():
        context = {
            "campaigns": list(Campaign.objects.filter(agency_id=campaign.agency_id).order_by("-year", "-pk")),
            "campaign": campaign,
        }
        context.update(_accounts_context(campaign, form))
        return render(request, "onboarding/index.html", context, status=400)
    try:
        issued = services.issue_all(campaign, request.user, so_appraisers=form.cleaned_data["so_appraisers"])
    except services.IssueRefused as exc:
        messages.error(request, exc.message)
        return redirect(_page_url(campaign))
    except VanbanError as exc:
        messages.error(request, "Chưa cấp được tài khoản nào: " + describe_error(exc))
        return redirect(_page_url(campaign))
    if not issued.lines:
        messages.info(
            request,
            "Mọi tài khoản của đợt đánh giá đã có: không cấp thêm tài khoản nào. " + _summary(issued),
        )
        return redirect(_page_url(campaign))
    messages.success(request, _summary(issued) + " Tải danh sách tài khoản ở mục «Tệp danh sách tài khoản».")
    if issued.batch is not None:
        _pdf_or_warn(request, issued.batch)
    return redirect(_page_url(campaign, "tep"))


def _pdf_or_warn(request: HttpRequest, batch: services.Batch) -> None:
    # LibreOffice runs after the accounts are committed: a failed conversion loses no account, the DOCX and
    # XLSX are there and the page offers to convert again.
    try:
        services.make_pdf(batch)
    except VanbanError as exc:
        messages.warning(request, "Chưa tạo được bản PDF của phụ lục: " + describe_error(exc))


def _batch(campaign: Campaign, name: str) -> services.Batch:
    found = services.batch_of(campaign, name)
    if found is None:
        raise Http404("Không có lần cấp tài khoản này.")
    return found


@login_required
@require_http_methods(["GET"])
def download(request: HttpRequest, campaign_id: int, batch: str, filename: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    found = _batch(campaign, batch)
    if filename not in services.LIST_FILES or found.deleted_at is not None:
        raise Http404("Không có tệp này.")
    path = found.path / filename
    if not path.is_file():
        raise Http404("Không có tệp này.")
    record("tai_ve_danh_sach_tai_khoan", campaign, note=f"{found.name}/{filename}")
    stem, ext = filename.rsplit(".", 1)
    return file_response(path, f"{stem}-{campaign.slug}-{found.name}.{ext}")


@login_required
@require_POST
def delete_files(request: HttpRequest, campaign_id: int, batch: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    found = _batch(campaign, batch)
    if found.deleted_at is not None:
        messages.info(request, "Các tệp của lần cấp này đã được xóa trước đó.")
        return redirect(_page_url(campaign, "tep"))
    names = services.delete_files(found, request.user)
    record(
        "xoa_tep_mat_khau",
        campaign,
        before={"batch": found.name, "files": names},
        after={"batch": found.name, "files": []},
        note=f"{found.label} lúc {found.at:%H:%M %d/%m/%Y}, {found.count} tài khoản",
    )
    messages.success(
        request, f"Đã xóa {len(names)} tệp chứa mật khẩu lần đầu của lần cấp {found.at:%H:%M %d/%m/%Y}."
    )
    return redirect(_page_url(campaign, "tep"))


@login_required
@require_POST
def make_pdf(request: HttpRequest, campaign_id: int, batch: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    found = _batch(campaign, batch)
    if found.deleted_at is not None or not (found.path / services.LIST_FILES[0]).is_file():
        raise Http404("Không có tệp này.")
    try:
        services.make_pdf(found)
    except VanbanError as exc:
        messages.error(request, "Chưa tạo được bản PDF: " + describe_error(exc))
    else:
        record("tao_pdf_danh_sach_tai_khoan", campaign, note=found.name)
        messages.success(request, "Đã tạo bản PDF của danh sách tài khoản.")
    return redirect(_page_url(campaign, "tep"))


# --------------------------------------------------------------------------- one account


def _account(campaign: Campaign, user_id: int) -> Any:
    user = services.campaign_accounts(campaign).filter(pk=user_id).select_related("profile").first()
    if user is None:
        raise Http404("Không có tài khoản này trong đợt đánh giá.")
    return user


@login_required
@require_http_methods(["GET", "POST"])
def reissue(request: HttpRequest, campaign_id: int, user_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    user = _account(campaign, user_id)
    try:
        line = services.line_for(campaign, user, "")
    except VanbanError as exc:
        messages.error(request, describe_error(exc))
        return redirect(_page_url(campaign))
    if request.method == "GET":
        return render(
            request, "onboarding/reissue.html", {"campaign": campaign, "account": user, "line": line}
        )
    try:
        password, batch = services.reissue(campaign, user, request.user)
    except VanbanError as exc:
        messages.error(request, "Chưa cấp lại được mật khẩu: " + describe_error(exc))
        return redirect(_page_url(campaign))
    response = render(
        request,
        "onboarding/reissued.html",
        {"campaign": campaign, "account": user, "line": line, "password": password, "batch": batch},
    )
    response["Cache-Control"] = NO_STORE
    return response


# --------------------------------------------------------------------------- assignments


def _index_choices(campaign: Campaign) -> list[tuple[str, str]]:
    plan = plan_for(campaign)
    names: dict[str, str] = {}
    where: dict[str, list[str]] = {}
    for tier in plan.tiers:
        for index in tier.indices:
            names.setdefault(index.code, index.name)
            where.setdefault(index.code, []).append(tier.short)
    choices = []
    for code, name in names.items():
        only = "" if len(where[code]) == len(plan.tiers) else f" (chỉ {', '.join(where[code])})"
        choices.append((code, f"{code}. {name}{only}"))
    return choices


def _assignment_form(campaign: Campaign, a: Assignment, data: Any = None) -> AssignmentForm:
    plan = plan_for(campaign)
    allowed = None
    parent_name = ""
    if a.parent_unit_id:
        parent_tier = next((u.tier for u in plan.units if u.key == a.parent_unit.code), None)
        allowed = {t.id for t in plan.tiers if t.appraised_by and t.appraised_by == parent_tier}
        parent_name = a.parent_unit.name
    return AssignmentForm(
        data,
        prefix=f"a{a.pk}",
        # A district's appraiser is offered only the tiers under the district.
        tier_choices=[(t.id, t.name) for t in plan.tiers if allowed is None or t.id in allowed],
        index_choices=_index_choices(campaign),
        allowed_tiers=allowed,
        parent_name=parent_name,
        initial={
            "tiers": list(a.tiers),
            "indices": [str(i) for i in a.indices],
            "seen": AssignmentForm.seen_value(list(a.tiers), [str(i) for i in a.indices]),
        },
    )


CONFLICT = (
    "Người khác vừa sửa phân công này trong khi bạn đang xem; thay đổi của bạn chưa được lưu. Trang đã hiện "
    "phân công mới nhất: hãy chọn lại rồi lưu."
)


def _assignments_page(
    request: HttpRequest,
    campaign: Campaign,
    bound: tuple[int, AssignmentForm] | None = None,
    *,
    conflict: int | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        plan = plan_for(campaign)
    except VanbanError as exc:
        return render(
            request, "onboarding/assignments.html", {"campaign": campaign, "problem": describe_error(exc)}
        )
    rows = []
    for a in _appraiser_order(
        plan,
        Assignment.objects.filter(campaign=campaign).select_related("user", "user__profile", "parent_unit"),
    ):
        form = bound[1] if bound is not None and bound[0] == a.pk else _assignment_form(campaign, a)
        rows.append({"a": a, "form": form, "conflict": CONFLICT if conflict == a.pk else ""})
    return render(
        request,
        "onboarding/assignments.html",
        {
            "campaign": campaign,
            "rows": rows,
            "plan": plan,
            "has_districts": any(t.appraised_by for t in plan.tiers),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def assignments(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    return _assignments_page(request, campaign)


def _names(choices: list[tuple[str, str]], values: list[str]) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(v, v)) for v in values)


@login_required
@require_POST
def assignment(request: HttpRequest, campaign_id: int, assignment_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    a = (
        Assignment.objects.filter(campaign=campaign, pk=assignment_id)
        .select_related("user", "parent_unit")
        .first()
    )
    if a is None:
        raise Http404("Không có phân công này.")
    try:
        form = _assignment_form(campaign, a, request.POST)
    except VanbanError as exc:
        messages.error(request, describe_error(exc))
        return redirect("onboarding:assignments", campaign.pk)
    if not form.is_valid():
        return _assignments_page(request, campaign, (a.pk, form), status=400)
    tiers = [t for t, _ in form.fields["tiers"].choices if t in form.cleaned_data["tiers"]]
    indices = [c for c, _ in form.fields["indices"].choices if c in form.cleaned_data["indices"]]
    with transaction.atomic():
        current = Assignment.objects.select_for_update().get(pk=a.pk)
        before = {"tiers": list(current.tiers), "indices": [str(i) for i in current.indices]}
        if form.cleaned_data["seen"] and form.cleaned_data["seen"] != AssignmentForm.seen_value(
            before["tiers"], before["indices"]
        ):
            return _assignments_page(request, campaign, conflict=a.pk, status=409)
        current.tiers, current.indices = tiers, indices
        current.save(update_fields=["tiers", "indices"])
        record(
            "sua_phan_cong_tham_dinh",
            current,
            agency_id=campaign.agency_id,
            before=before,
            after={"tiers": tiers, "indices": indices},
            note=f"{a.user.get_username()} · {a.body}",
        )
    what = _names(form.fields["indices"].choices, indices) or "mọi chỉ số chính"
    messages.success(request, f"Đã lưu phân công của {a.user.get_username()}: {what}.")
    return redirect(reverse("onboarding:assignments", args=[campaign.pk]) + f"#phan-cong-{a.pk}")


# --------------------------------------------------------------------------- one's own details


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = getattr(user, "profile", None)
    initial = {"full_name": own.full_name if own else "", "email": user.email}
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            after = {"full_name": form.cleaned_data["full_name"].strip(), "email": form.cleaned_data["email"]}
            with transaction.atomic():
                user.email = after["email"]
                user.save(update_fields=["email"])
                if own is not None:
                    own.full_name = after["full_name"]
                    own.save(update_fields=["full_name"])
            record("sua_thong_tin_ca_nhan", own or user, before=initial, after=after)
            messages.success(request, "Đã lưu thông tin tài khoản.")
            return redirect("onboarding:profile")
        return render(request, "onboarding/profile.html", {"form": form}, status=400)
    return render(request, "onboarding/profile.html", {"form": ProfileForm(initial=initial)})
