"""The campaign's timeline: every phase and deadline, per tier, with day counts; and the same as iCalendar.

`vanban check` prints it after the diagnostics, so whoever prepares a campaign sees at a glance what each tier
must do and by when; `vanban calendar` exports it for Outlook, Thunderbird or Google Calendar (all-day events,
Vietnam time). A deadline is the last day on which a submission is on time, as in every document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from letters.campaign.model import Campaign, Deadline, Phase, Tier
from letters.campaign.views import lower_first, upper_first
from letters.core import vn

VN_ZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Step:
    """One phase or deadline as one tier lives it."""

    kind: str  # "phase" or "deadline"
    id: str
    title: str
    end: date
    start: date | None = None
    days: int | None = None  # calendar days, both ends included
    working_days: int | None = None
    note: str = ""  # who leads, where to send, what to send

    @property
    def dates(self) -> str:
        if self.start is None or self.start == self.end:
            return vn.short(self.end)
        return f"{vn.short(self.start)} – {vn.short(self.end)}"

    @property
    def counts(self) -> str:
        if self.days is None:
            return ""
        working = f", {self.working_days} ngày làm việc" if self.working_days is not None else ""
        return f"{self.days} ngày{working}"


@dataclass(frozen=True)
class TierTimeline:
    tier_id: str
    tier_name: str
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class Timeline:
    campaign_name: str
    year: int
    tiers: list[TierTimeline]
    phases: list[Phase]
    deadlines: list[Deadline]
    tier_names: dict[str, str]
    slug: str


def _working_days(start: date, end: date, work: vn.WorkCalendar) -> int:
    days = (end - start).days + 1
    return sum(1 for n in range(days) if work.non_working_reason(start + timedelta(days=n)) is None)


def _applies(phase: Phase, tier: Tier) -> bool:
    return not phase.tiers or tier.id in phase.tiers


def _phase_step(phase: Phase, work: vn.WorkCalendar) -> Step:
    notes = []
    if phase.lead:
        notes.append(f"chủ trì: {phase.lead}")
    if phase.partners:
        notes.append(f"phối hợp: {phase.partners}")
    return Step(
        kind="phase",
        id=phase.id,
        title=phase.name,
        start=phase.start,
        end=phase.end,
        days=phase.days,
        working_days=_working_days(phase.start, phase.end, work) if phase.start else None,
        note="; ".join(notes),
    )


def _deadline_title(deadline: Deadline) -> str:
    return f"Hạn nộp {_what(deadline)}"


def _what(deadline: Deadline) -> str:
    """What is due: as the file says, else 'kết quả' for the results and the standard wording for the rest."""
    return deadline.what or ("kết quả" if deadline.is_results else deadline.what_text)


def _deadline_step(deadline: Deadline, names: dict[str, str], issuer: str) -> Step:
    to = names.get(deadline.to, deadline.to) if deadline.to else issuer
    note = f"{vn.deadline_text(deadline.date)}, gửi {lower_first(to) if deadline.to else to}"
    if deadline.aggregates:
        note += f", tổng hợp kết quả của {lower_first(names.get(deadline.aggregates, deadline.aggregates))}"
    return Step(
        kind="deadline", id=deadline.id, title=_deadline_title(deadline), end=deadline.date, note=note
    )


def _receiving_step(deadline: Deadline, names: dict[str, str]) -> Step:
    """A deadline seen from the tier that receives (xã → huyện): its own work starts from it."""
    senders = "; ".join(lower_first(names.get(t, t)) for t in deadline.tiers)
    return Step(
        kind="deadline",
        id=deadline.id,
        title=f"Nhận {_what(deadline)} của {senders}",
        end=deadline.date,
        note=f"các đơn vị gửi {vn.deadline_text(deadline.date)}",
    )


def build_timeline(campaign: Campaign) -> Timeline:
    work = vn.WorkCalendar(campaign.calendar.extra_days_off, campaign.calendar.extra_working_days)
    names = {t.id: t.name for t in campaign.tiers}
    issuer = campaign.issuer.name
    tiers = []
    for tier in campaign.tiers:
        steps = [_phase_step(p, work) for p in campaign.phases if _applies(p, tier)]
        steps += [_deadline_step(d, names, issuer) for d in campaign.deadlines if tier.id in d.tiers]
        # Deadlines other tiers send to this one (xã → huyện) are part of its work too.
        steps += [
            _receiving_step(d, names)
            for d in campaign.deadlines
            if d.to == tier.id and tier.id not in d.tiers
        ]
        steps.sort(key=lambda s: (s.start or s.end, s.kind == "deadline", s.end))
        tiers.append(TierTimeline(tier.id, tier.name, steps))
    return Timeline(
        campaign_name=upper_first(campaign.campaign.name),
        year=campaign.campaign.year,
        tiers=tiers,
        phases=list(campaign.phases),
        deadlines=list(campaign.deadlines),
        tier_names=names,
        slug=vn.slugify(f"{campaign.issuer.abbreviation}-{campaign.campaign.kind}-{campaign.campaign.year}"),
    )


def to_ics(timeline: Timeline, *, stamp: datetime | None = None) -> bytes:
    """The timeline as an iCalendar file: one all-day event per phase and per deadline, reminders before
    each deadline, Vietnamese summaries, in Vietnam's time zone."""
    from icalendar import Alarm, Calendar, Event

    stamp = stamp or vn.vn_now()
    cal = Calendar()
    cal.add("prodid", "-//vanban//lịch đợt đánh giá//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", timeline.campaign_name)
    cal.add("x-wr-timezone", VN_ZONE)
    names = timeline.tier_names
    for phase in timeline.phases:
        event = Event()
        who = ", ".join(names.get(t, t) for t in phase.tiers) if phase.tiers else "Tất cả các nhóm đơn vị"
        event.add("uid", f"{timeline.slug}-giai-doan-{phase.id}@vanban")
        event.add("dtstamp", stamp)
        event.add("summary", phase.name)
        event.add("dtstart", phase.start or phase.end)
        event.add("dtend", phase.end + timedelta(days=1))  # all-day events end the day after (RFC 5545)
        lines = [f"{timeline.campaign_name}.", f"Áp dụng: {who}."]
        if phase.start:
            lines.append(f"{upper_first(vn.range_text(phase.start, phase.end))}.")
        else:
            lines.append(f"{upper_first(vn.deadline_text(phase.end))}.")
        if phase.lead:
            lines.append(f"Chủ trì: {phase.lead}.")
        if phase.partners:
            lines.append(f"Phối hợp: {phase.partners}.")
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["Giai đoạn"])
        cal.add_component(event)
    for deadline in timeline.deadlines:
        event = Event()
        who = ", ".join(names.get(t, t) for t in deadline.tiers)
        to = names.get(deadline.to, deadline.to) if deadline.to else None
        event.add("uid", f"{timeline.slug}-han-nop-{deadline.id}@vanban")
        event.add("dtstamp", stamp)
        event.add("summary", f"{_deadline_title(deadline)} ({who})")
        event.add("dtstart", deadline.date)
        event.add("dtend", deadline.date + timedelta(days=1))
        lines = [
            f"{timeline.campaign_name}.",
            f"Đơn vị nộp: {who}.",
            f"{upper_first(vn.deadline_text(deadline.date))} (nộp trong ngày này vẫn đúng hạn).",
        ]
        if to:
            lines.append(f"Nơi nhận: {to}.")
        event.add("description", "\n".join(lines))
        event.add("categories", ["Hạn nộp"])
        for before in (3, 1):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Còn {before} ngày: {_deadline_title(deadline).lower()} ({who})")
            alarm.add("trigger", timedelta(days=-before))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
