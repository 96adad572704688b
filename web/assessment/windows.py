"""When a unit may write: the self-assessment window (the phase `tu_danh_gia` from its start to the tier's
deadline, closing at 24h00 of the last day in Việt Nam) and the explanations window (phase `giai_trinh`), moved
for one unit by the Sở's latest extension. Computed from the campaign and the clock on every request.

The late rule decides what happens after the close: `last` (a late unit is ranked last) keeps the form open
and marks the submission late; `exclude` (a late unit is not ranked) locks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from letters.core.vn import short as short_date
from letters.usecases.deadlines import TierDeadlines, tier_deadlines
from letters.usecases.online import EXPLANATIONS, SELF_ASSESSMENT, OnlinePlan
from web.assessment import clock


@dataclass(frozen=True)
class Window:
    phase: str
    name: str
    first_day: date | None  # None: open from the moment accounts exist
    last_day: date | None  # None: no end in the campaign (the Sở closes it by moving the submissions on)
    extended: bool = False
    late_allowed: bool = False  # after the close the unit may still submit, marked late

    @property
    def opens(self) -> datetime | None:
        return clock.start_of_day(self.first_day) if self.first_day else None

    @property
    def closes(self) -> datetime | None:
        return clock.end_of_day(self.last_day) if self.last_day else None

    def not_yet(self, now: datetime) -> bool:
        return self.opens is not None and now < self.opens

    def past(self, now: datetime) -> bool:
        return self.closes is not None and now >= self.closes

    def is_open(self, now: datetime) -> bool:
        return not self.not_yet(now) and not self.past(now)

    def writable(self, now: datetime) -> bool:
        """Whether the unit may still change its data now (open, or late but allowed by the late rule)."""
        return not self.not_yet(now) and (not self.past(now) or self.late_allowed)

    def status(self, now: datetime) -> str:
        """What the unit reads at the top of its form, in Vietnamese."""
        if self.not_yet(now):
            return f"{self.name}: mở từ ngày {short_date(self.first_day)}."  # type: ignore[arg-type]
        if self.past(now):
            if self.late_allowed:
                return (
                    f"{self.name}: đã hết hạn lúc 24 giờ 00 ngày {short_date(self.last_day)}"  # type: ignore[arg-type]
                    "; vẫn gửi được nhưng bị ghi là nộp muộn và xếp cuối theo quy định của đợt đánh giá."
                )
            return (
                f"{self.name}: đã khóa lúc 24 giờ 00 ngày {short_date(self.last_day)}"  # type: ignore[arg-type]
                "; liên hệ Sở nếu cần gia hạn."
            )
        if self.last_day is None:
            return f"{self.name}: đang mở."
        extra = " (đã được gia hạn)" if self.extended else ""
        return f"{self.name}: đang mở đến 24 giờ 00 ngày {short_date(self.last_day)}{extra}."


def own_deadline(plan: OnlinePlan, tier_id: str) -> TierDeadlines | None:
    """The tier's own submission deadline from the campaign file: a commune's is the day it sends to its
    district, earlier than the tier's ranking deadline (the day the district forwards it to the Sở)."""
    try:
        return tier_deadlines(plan.path).get(tier_id)
    except OSError:
        return None


def self_assessment(plan: OnlinePlan, tier_id: str, extension: date | None = None) -> Window:
    tier = plan.tier(tier_id)
    phase = plan.phase(SELF_ASSESSMENT)
    first = phase.start if phase else None
    own = own_deadline(plan, tier_id)
    last = (own.submit_by if own else None) or tier.deadline or (phase.end if phase else None)
    extended = extension is not None and (last is None or extension > last)
    if extended:
        last = extension
    return Window(
        SELF_ASSESSMENT,
        "Tự đánh giá, chấm điểm",
        first,
        last,
        extended=extended,
        late_allowed=plan.late_rule == "last",
    )


def explanations(plan: OnlinePlan, tier_id: str, extension: date | None = None) -> Window:
    phase = plan.phase(EXPLANATIONS)
    first = phase.start if phase else None
    last = phase.end if phase else None
    extended = extension is not None and (last is None or extension > last)
    if extended:
        last = extension
    return Window(EXPLANATIONS, "Giải trình, bổ sung", first, last, extended=extended)


def for_unit(plan: OnlinePlan, campaign_id: int, unit_id: int, tier_id: str, phase: str) -> Window:
    """The unit's window for `phase`, with the Sở's latest extension for it."""
    from web.assessment.models import Extension

    until = (
        Extension.objects.filter(campaign_id=campaign_id, unit_id=unit_id, phase=phase)
        .order_by("-granted_at", "-id")
        .values_list("until", flat=True)
        .first()
    )
    if phase == EXPLANATIONS:
        return explanations(plan, tier_id, until)
    return self_assessment(plan, tier_id, until)
