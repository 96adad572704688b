"""The deadlines of an online campaign as the Sở manages them: each tier's windows from the campaign file, the late
rule, each unit's deadline with the Sở's extension, the units past their deadline, and the extensions themselves
(granted and revoked with a reason, both in the audit log).

An extension is a new `Extension` row; the latest one for a unit and phase counts (`windows.for_unit`), so a
revocation is a grant back to the campaign's own date and the whole history stays readable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from letters.core.vn import short
from letters.usecases.online import EXPLANATIONS, SELF_ASSESSMENT, OnlinePlan, PlanTier
from web.accounts.models import Unit
from web.assessment import clock
from web.assessment.models import Extension, State, Submission
from web.assessment.plans import plan_for
from web.assessment.windows import Window, explanations, for_unit, own_deadline, self_assessment
from web.audit.log import record
from web.campaigns.models import Campaign

PHASES: dict[str, str] = {
    SELF_ASSESSMENT: "Tự đánh giá, chấm điểm",
    EXPLANATIONS: "Giải trình, bổ sung",
}

LATE_RULES: dict[str, str] = {
    "last": (
        "Đơn vị nộp muộn vẫn gửi được kết quả sau thời hạn; bài được ghi là nộp muộn và xếp cuối trong nhóm "
        "đơn vị."
    ),
    "exclude": (
        "Hết thời hạn, biểu mẫu của đơn vị tự khóa; đơn vị không gửi kết quả đúng hạn không được xếp hạng "
        "(trừ khi Sở gia hạn cho đơn vị)."
    ),
}

NOT_SUBMITTED = (State.DRAFT, State.AWAITING_APPROVAL)


def late_rule_text(rule: str) -> str:
    return LATE_RULES.get(rule, f"Quy định nộp muộn «{rule}».")


def deadline_text(day: date | None) -> str:
    """'24 giờ 00 ngày 23/01/2026': how every page and e-mail writes a close."""
    return f"24 giờ 00 ngày {short(day)}" if day else "không có hạn"


class ExtensionRefused(Exception):
    """An extension not recorded; `message` in Vietnamese, `field` the form field it concerns."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --------------------------------------------------------------------------- the campaign's tiers


@dataclass(frozen=True)
class TierDeadlineRow:
    tier: PlanTier
    self_window: Window
    explanations_window: Window
    submit_to: str  # who receives the tier's self-assessment, in words
    forwards: tuple[tuple[str, date], ...]  # (tier name, last day) of the tiers it forwards to the Sở
    units: int
    overdue: int
    extended: int
    status: str  # the self-assessment window now, in words


def online_campaigns(agency_id: int | None) -> list[Campaign]:
    """The agency's campaigns run online (those with submissions), newest first."""
    if agency_id is None:
        return []
    return list(Campaign.objects.filter(agency_id=agency_id, submissions__isnull=False).distinct())


def tier_rows(
    campaign: Campaign, plan: OnlinePlan, units: list[UnitDeadline], now: datetime
) -> list[TierDeadlineRow]:
    by_tier: dict[str, list[UnitDeadline]] = {}
    for u in units:
        by_tier.setdefault(u.submission.tier, []).append(u)
    names = {t.id: t.name for t in plan.tiers}
    rows = []
    for tier in plan.tiers:
        own = own_deadline(plan, tier.id)
        to = (own.submit_to if own else None) or None
        members = by_tier.get(tier.id, [])
        window = self_assessment(plan, tier.id)
        rows.append(
            TierDeadlineRow(
                tier,
                window,
                explanations(plan, tier.id),
                f"{names.get(to, to)} (cấp trên của đơn vị)" if to else plan.issuer or "Sở",
                tuple((names.get(k, k), d) for k, d in sorted((own.forwards if own else {}).items())),
                len(members),
                sum(1 for u in members if u.overdue),
                sum(1 for u in members if u.self_window.extended or u.explanations_window.extended),
                window.status(now),
            )
        )
    return rows


# --------------------------------------------------------------------------- each unit


@dataclass
class UnitDeadline:
    submission: Submission
    self_window: Window
    explanations_window: Window
    extensions: dict[str, Extension] = field(default_factory=dict)  # the latest grant per phase
    overdue: bool = False  # self-assessment closed and nothing sent to the Sở
    status: str = ""  # the window that matters now, in words

    @property
    def unit(self) -> Unit:
        return self.submission.unit

    @property
    def window(self) -> Window:
        """The window that matters in the submission's state (explanations while explaining)."""
        if self.submission.state == State.EXPLANATIONS:
            return self.explanations_window
        return self.self_window


def latest_extensions(
    campaign: Campaign, unit_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], Extension]:
    """The latest grant per (unit, phase), as `windows.for_unit` reads it, in one query."""
    qs = (
        Extension.objects.filter(campaign=campaign)
        .select_related("granted_by")
        .order_by("-granted_at", "-id")
    )
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    latest: dict[tuple[int, str], Extension] = {}
    for ext in qs:
        latest.setdefault((ext.unit_id, ext.phase), ext)
    return latest


def unit_deadlines(
    campaign: Campaign,
    plan: OnlinePlan,
    now: datetime,
    *,
    tier: str | None = None,
    submissions: Iterable[Submission] | None = None,
) -> list[UnitDeadline]:
    """Every unit's windows with its extension and whether it is past its deadline without having sent."""
    if submissions is None:
        qs = Submission.objects.filter(campaign=campaign).select_related("unit", "unit__parent")
        if tier:
            qs = qs.filter(tier=tier)
        submissions = qs.order_by("tier", "unit__name")
    subs = list(submissions)
    # A few units: their rows only; the whole campaign: one pass over all its extensions.
    latest = latest_extensions(campaign, [s.unit_id for s in subs] if len(subs) <= 500 else None)
    out = []
    for sub in subs:
        exts = {p: latest[(sub.unit_id, p)] for p in PHASES if (sub.unit_id, p) in latest}
        own = self_assessment(
            plan, sub.tier, exts[SELF_ASSESSMENT].until if SELF_ASSESSMENT in exts else None
        )
        expl = explanations(plan, sub.tier, exts[EXPLANATIONS].until if EXPLANATIONS in exts else None)
        row = UnitDeadline(sub, own, expl, exts, overdue=sub.state in NOT_SUBMITTED and own.past(now))
        row.status = row.window.status(now)
        out.append(row)
    return out


def overdue_submissions(campaign: Campaign, now: datetime | None = None) -> list[Submission]:
    """The dashboard's flag: units still drafting or awaiting their leader after their (extended) close."""
    now = now or clock.now()
    plan = plan_for(campaign)
    subs = Submission.objects.filter(campaign=campaign, state__in=NOT_SUBMITTED).select_related("unit")
    return [u.submission for u in unit_deadlines(campaign, plan, now, submissions=subs) if u.overdue]


# --------------------------------------------------------------------------- extensions


def _submission(campaign: Campaign, unit: Unit) -> Submission:
    sub = Submission.objects.filter(campaign=campaign, unit=unit).select_related("unit").first()
    if sub is None:
        raise ExtensionRefused(f"{unit.name} không tham gia đợt đánh giá này.")
    return sub


def _phase(phase: str) -> str:
    if phase not in PHASES:
        raise ExtensionRefused("Hãy chọn giai đoạn cần gia hạn.", field="phase")
    return phase


def _check_until(current: Window, phase: str, until: date) -> None:
    if current.last_day is None:
        raise ExtensionRefused(
            f"Giai đoạn «{PHASES[phase]}» không có thời hạn trong kế hoạch của đợt đánh giá nên không cần "
            "gia hạn.",
            field="phase",
        )
    if until <= current.last_day:
        raise ExtensionRefused(
            f"Ngày gia hạn phải sau hạn hiện tại của đơn vị ({deadline_text(current.last_day)}).",
            field="until",
        )
    if until < clock.today():
        raise ExtensionRefused(
            f"Ngày {short(until)} đã qua; hãy chọn ngày từ hôm nay ({short(clock.today())}) trở đi.",
            field="until",
        )


def date_problem(campaign: Campaign, unit: Unit, phase: str, until: date) -> ExtensionRefused | None:
    """What is wrong with this date for this unit, if anything: shown beside the date field even when
    another field of the form is missing, so the person fixes everything at once."""
    try:
        sub = _submission(campaign, unit)
        _check_until(
            for_unit(plan_for(campaign), campaign.pk, unit.pk, sub.tier, _phase(phase)), phase, until
        )
    except ExtensionRefused as exc:
        return exc
    return None


def grant_extension(
    campaign: Campaign, unit: Unit, phase: str, until: date, reason: str, user: Any
) -> Extension:
    """More time for one unit in one phase, until 24h00 of `until`; refused (with the field) when the date is not
    after the unit's current close, is already past, or the phase has no close to move."""
    phase = _phase(phase)
    reason = (reason or "").strip()
    if not reason:
        raise ExtensionRefused("Hãy ghi lý do gia hạn.", field="reason")
    sub = _submission(campaign, unit)
    plan = plan_for(campaign)
    with transaction.atomic():
        # One grant at a time per unit: two people extending at once see each other's date.
        Submission.objects.select_for_update().filter(pk=sub.pk).first()
        current = for_unit(plan, campaign.pk, unit.pk, sub.tier, phase)
        _check_until(current, phase, until)
        ext = Extension.objects.create(
            campaign=campaign, unit=unit, phase=phase, until=until, reason=reason, granted_by=user
        )
        record(
            "gia_han",
            ext,
            user=user,
            agency_id=campaign.agency_id,
            before={"don_vi": unit.name, "giai_doan": PHASES[phase], "han": short(current.last_day)},  # type: ignore[arg-type]
            after={"don_vi": unit.name, "giai_doan": PHASES[phase], "han": short(until), "ly_do": reason},
            note=f"{unit.name}: {PHASES[phase]} đến {deadline_text(until)}",
        )
    return ext


def revoke_extension(campaign: Campaign, unit: Unit, phase: str, reason: str, user: Any) -> Extension:
    """Back to the campaign's own date: a new grant of that date (the earlier grants stay in the history)."""
    phase = _phase(phase)
    reason = (reason or "").strip()
    if not reason:
        raise ExtensionRefused("Hãy ghi lý do thu hồi gia hạn.", field="revoke_reason")
    sub = _submission(campaign, unit)
    plan = plan_for(campaign)
    with transaction.atomic():
        Submission.objects.select_for_update().filter(pk=sub.pk).first()
        current = for_unit(plan, campaign.pk, unit.pk, sub.tier, phase)
        original = (self_assessment if phase == SELF_ASSESSMENT else explanations)(plan, sub.tier)
        if not current.extended or original.last_day is None:
            raise ExtensionRefused(
                f"{unit.name} không được gia hạn giai đoạn «{PHASES[phase]}».", field="revoke_reason"
            )
        ext = Extension.objects.create(
            campaign=campaign,
            unit=unit,
            phase=phase,
            until=original.last_day,
            reason=f"Thu hồi gia hạn: {reason}",
            granted_by=user,
        )
        record(
            "thu_hoi_gia_han",
            ext,
            user=user,
            agency_id=campaign.agency_id,
            before={"don_vi": unit.name, "giai_doan": PHASES[phase], "han": short(current.last_day)},
            after={
                "don_vi": unit.name,
                "giai_doan": PHASES[phase],
                "han": short(original.last_day),
                "ly_do": reason,
            },
            note=f"{unit.name}: {PHASES[phase]} trở lại {deadline_text(original.last_day)}",
        )
    return ext


def unit_extensions(campaign: Campaign, unit: Unit) -> list[Extension]:
    return list(
        Extension.objects.filter(campaign=campaign, unit=unit)
        .select_related("granted_by")
        .order_by("-granted_at", "-id")
    )
