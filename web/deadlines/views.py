"""The Sở's deadline pages: each campaign's windows per tier and the late rule, every unit's deadline and
extension, extensions granted and revoked with a reason, reminders sent on demand, and the demo's clock.

Only the agency's chuyên viên Sở and quản trị reach them (403 for every other role); another agency's campaign
or unit is a 404. Every change is in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from letters.core.errors import VanbanError
from letters.core.vn import short, time_text
from web.accounts.models import Unit
from web.accounts.roles import agency_of
from web.assessment import clock
from web.assessment.models import ReminderSent, Submission
from web.assessment.plans import plan_for
from web.audit.log import record
from web.campaigns.models import Campaign
from web.deadlines import reminders, services
from web.deadlines.forms import ClockForm, ExtensionForm, RevokeForm
from web.deadlines.permissions import MANAGE_DEADLINES


def _agency(request: HttpRequest) -> int:
    agency_id = agency_of(request.user)
    if agency_id is None or not request.user.has_perm(MANAGE_DEADLINES):
        raise PermissionDenied("Chỉ chuyên viên Sở và quản trị quản lý thời hạn của đợt đánh giá.")
    return int(agency_id)


def _campaign(agency_id: int, campaign_id: int, request: HttpRequest) -> Campaign:
    """The agency's online campaign (another agency's, or one not run online: 404), checked against the rule."""
    campaign = Campaign.objects.filter(pk=campaign_id, agency_id=agency_id, submissions__isnull=False).first()
    if campaign is None:
        raise Http404("Không có đợt đánh giá trực tuyến này.")
    if not request.user.has_perm(MANAGE_DEADLINES, campaign):
        raise PermissionDenied("Bạn không quản lý thời hạn của đợt đánh giá này.")
    return campaign


def _days_text(days: tuple[int, ...]) -> str:
    """(1, 3) → '3 và 1'"""
    ordered = [str(d) for d in sorted(days, reverse=True)]
    return ordered[0] if len(ordered) == 1 else f"{', '.join(ordered[:-1])} và {ordered[-1]}"


def _now_text() -> str:
    return time_text(clock.now())


@login_required
@require_http_methods(["GET"])
def index(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    agency_id = _agency(request)
    campaigns = services.online_campaigns(agency_id)
    if campaign_id is not None:
        campaign: Campaign | None = _campaign(agency_id, campaign_id, request)
    else:
        campaign = campaigns[0] if campaigns else None
    context: dict[str, Any] = {
        "campaigns": campaigns,
        "campaign": campaign,
        "now_text": _now_text(),
        "clock_adjustable": clock.adjustable(),
        "reminder_days": _days_text(reminders.reminder_days()),
    }
    if campaign is None:
        return render(request, "deadlines/index.html", context)
    try:
        plan = plan_for(campaign)
    except VanbanError as exc:
        context["plan_error"] = exc.message
        return render(request, "deadlines/index.html", context)
    now = clock.now()
    units = services.unit_deadlines(campaign, plan, now)
    tiers = services.tier_rows(campaign, plan, units, now)
    tier_ids = [t.id for t in plan.tiers]
    tier = request.GET.get("nhom") or (tier_ids[0] if tier_ids else "")
    if tier not in tier_ids:
        raise Http404("Không có nhóm đơn vị này.")
    only = request.GET.get("chi", "")
    shown = [u for u in units if u.submission.tier == tier]
    if only == "qua-han":
        shown = [u for u in shown if u.overdue]
    elif only == "gia-han":
        shown = [u for u in shown if u.self_window.extended or u.explanations_window.extended]
    context.update(
        {
            "plan": plan,
            "late_rule": services.late_rule_text(plan.late_rule),
            "late_rule_id": plan.late_rule,
            "tiers": tiers,
            "tier": tier,
            "tier_name": plan.tier(tier).name,
            "only": only,
            "units": shown,
            "overdue_total": sum(1 for u in units if u.overdue),
            "reminders_sent": ReminderSent.objects.filter(campaign=campaign).count(),
            "now": now,
        }
    )
    return render(request, "deadlines/index.html", context)


def _unit_context(campaign: Campaign, unit: Unit, sub: Submission, **forms: Any) -> dict[str, Any]:
    plan = plan_for(campaign)
    now = clock.now()
    (row,) = services.unit_deadlines(campaign, plan, now, submissions=[sub])
    return {
        "campaign": campaign,
        "unit": unit,
        "submission": sub,
        "row": row,
        "tier_name": plan.tier(sub.tier).name,
        "late_rule": services.late_rule_text(plan.late_rule),
        "history": services.unit_extensions(campaign, unit),
        "form": forms.get("form") or ExtensionForm(initial={"phase": "tu_danh_gia"}),
        "revoke_forms": {
            phase: forms.get(f"revoke_{phase}") or RevokeForm(initial={"phase": phase})
            for phase in services.PHASES
        },
        "now_text": _now_text(),
        "clock_adjustable": clock.adjustable(),
        "now": now,
    }


def _unit(agency_id: int, campaign: Campaign, unit_id: int) -> tuple[Unit, Submission]:
    sub = (
        Submission.objects.filter(campaign=campaign, unit_id=unit_id, agency_id=agency_id)
        .select_related("unit")
        .first()
    )
    if sub is None:
        raise Http404("Không có đơn vị này trong đợt đánh giá.")
    return sub.unit, sub


@login_required
@require_http_methods(["GET", "POST"])
def unit(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    agency_id = _agency(request)
    campaign = _campaign(agency_id, campaign_id, request)
    the_unit, sub = _unit(agency_id, campaign, unit_id)
    if request.method == "GET":
        return render(request, "deadlines/unit.html", _unit_context(campaign, the_unit, sub))
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        until, phase = form.cleaned_data.get("until"), form.cleaned_data.get("phase")
        if until and phase and "until" not in form.errors:
            problem = services.date_problem(campaign, the_unit, phase, until)
            if problem is not None:
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)
    else:
        data = form.cleaned_data
        try:
            ext = services.grant_extension(
                campaign, the_unit, data["phase"], data["until"], data["reason"], request.user
            )
        except services.ExtensionRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"Đã gia hạn cho {the_unit.name}: {services.PHASES[ext.phase].lower()} đến "
                f"{services.deadline_text(ext.until)}.",
            )
            return redirect("deadlines:unit", campaign.pk, the_unit.pk)
    return render(
        request, "deadlines/unit.html", _unit_context(campaign, the_unit, sub, form=form), status=400
    )


@login_required
@require_POST
def revoke(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    agency_id = _agency(request)
    campaign = _campaign(agency_id, campaign_id, request)
    the_unit, sub = _unit(agency_id, campaign, unit_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            ext = services.revoke_extension(
                campaign,
                the_unit,
                form.cleaned_data["phase"],
                form.cleaned_data["revoke_reason"],
                request.user,
            )
        except services.ExtensionRefused as exc:
            form.add_error("revoke_reason", exc.message)
        else:
            messages.success(
                request,
                f"Đã thu hồi gia hạn của {the_unit.name}: {services.PHASES[ext.phase].lower()} trở lại "
                f"{services.deadline_text(ext.until)}.",
            )
            return redirect("deadlines:unit", campaign.pk, the_unit.pk)
    phase = request.POST.get("phase", "")
    extra = {f"revoke_{phase}": form} if phase in services.PHASES else {}
    if not extra:
        messages.error(request, "Không rõ giai đoạn cần thu hồi gia hạn.")
    return render(request, "deadlines/unit.html", _unit_context(campaign, the_unit, sub, **extra), status=400)


@login_required
@require_POST
def remind(request: HttpRequest) -> HttpResponse:
    agency_id = _agency(request)
    report = reminders.send_due_reminders(clock.now(), agency_id=agency_id)
    record(
        "gui_nhac_han",
        None,
        agency_id=agency_id,
        after={
            "so_thu": report.sent,
            "so_dia_chi": report.recipients,
            "khong_co_thu_dien_tu": report.skipped_no_email,
            "loi": report.failed,
        },
        note=report.summary(),
    )
    if report.failed:
        messages.error(request, report.summary())
    elif report.sent:
        messages.success(request, report.summary())
    else:
        text = "Không có thư nhắc hạn nào đến hạn gửi lúc này (đơn vị đã được nhắc hoặc chưa đến ngày nhắc)."
        if report.skipped_no_email:
            text += (
                f" {report.skipped_no_email} người của đơn vị chưa có địa chỉ thư điện tử "
                f"({', '.join(report.units_without_email[:5])}{'…' if len(report.units_without_email) > 5 else ''})."
            )
        messages.info(request, text)
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("deadlines:index")


# --------------------------------------------------------------------------- the demo's clock


def _clock_context(agency_id: int, form: ClockForm | None = None) -> dict[str, Any]:
    service = clock.now()
    return {
        "form": form
        or ClockForm(initial={"day": service.astimezone(clock.VN).date().isoformat(), "at": "08:00"}),
        "real_text": time_text(timezone.now()),
        "service_text": time_text(service),
        "shift_text": _shift_text(clock.shift()),
        "campaign_milestones": _milestones(agency_id),
    }


def _shift_text(shift: timedelta) -> str:
    """'lùi 310 ngày so với giờ thực'; '' when the clock is the real one."""
    seconds = shift.total_seconds()
    if abs(seconds) < 60:
        return ""
    way = "tiến" if seconds > 0 else "lùi"
    days, rest = divmod(abs(int(seconds)), 86400)
    amount = f"{days} ngày" if days else f"{rest // 3600} giờ {rest % 3600 // 60:02d} phút"
    return f"{way} {amount} so với giờ thực"


def _milestones(agency_id: int) -> list[tuple[Campaign, list[dict[str, str]]]]:
    """Moments worth standing at in the demo, per campaign: each phase's first morning, its last afternoon
    and the morning after."""
    out = []
    for campaign in services.online_campaigns(agency_id)[:5]:
        try:
            plan = plan_for(campaign)
        except VanbanError:
            continue
        points = []
        for phase in plan.phases.values():
            if phase.start:
                points.append((phase.start, "08:00", f"Mở «{phase.name}»"))
            points.append((phase.end, "16:00", f"Ngày cuối «{phase.name}»"))
            points.append((phase.end + timedelta(days=1), "08:00", f"Sau hạn «{phase.name}»"))
        points.sort(key=lambda p: (p[0], p[1]))
        out.append(
            (
                campaign,
                [
                    {"day": d.isoformat(), "at": at, "label": label, "when": f"{at} ngày {short(d)}"}
                    for d, at, label in points
                ],
            )
        )
    return out


@login_required
@require_http_methods(["GET", "POST"])
def clock_page(request: HttpRequest) -> HttpResponse:
    if not clock.adjustable():
        raise Http404("Đồng hồ chỉ chỉnh được ở bản chạy thử.")
    agency_id = _agency(request)
    if request.method == "GET":
        return render(request, "deadlines/clock.html", _clock_context(agency_id))
    before = time_text(clock.now())
    if request.POST.get("reset"):
        clock.reset()
        record("dat_dong_ho", None, agency_id=agency_id, before={"gio": before}, after={"gio": "giờ thực"})
        messages.success(request, f"Đồng hồ của bản mẫu đã trở về giờ thực: {time_text(clock.now())}.")
        return redirect("deadlines:clock")
    form = ClockForm(request.POST)
    if not form.is_valid():
        return render(request, "deadlines/clock.html", _clock_context(agency_id, form), status=400)
    target = datetime.combine(form.cleaned_data["day"], form.cleaned_data["at"], tzinfo=clock.VN)
    clock.set_now(target, by=request.user.get_username())
    after = time_text(clock.now())
    record("dat_dong_ho", None, agency_id=agency_id, before={"gio": before}, after={"gio": after})
    messages.success(request, f"Đồng hồ của bản mẫu đã đặt: giờ của hệ thống bây giờ là {after}.")
    return redirect(reverse("deadlines:clock"))
