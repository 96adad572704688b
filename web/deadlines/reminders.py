"""E-mail reminders to the units that have not sent their results, N days before each of their deadlines.

`send_due_reminders(now)` is safe to run as often as anyone likes (the server's worker every ten minutes, a
cron job running `vanban remind`, the Sở's button): a `ReminderSent` row is claimed before the message goes out,
so no unit gets the same reminder twice, even from two processes at once, and a message that could not be sent
frees its claim for the next run. When a run is late (the service was down on the day), the unit gets only the
reminder nearest to its deadline, never several at once.
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse

from letters.core.errors import VanbanError
from letters.usecases.online import EXPLANATIONS, SELF_ASSESSMENT, OnlinePlan
from web.accounts.models import UNIT_ROLES, Profile
from web.assessment import clock
from web.assessment.models import ReminderSent, State, Submission
from web.assessment.plans import plan_for
from web.assessment.windows import Window
from web.campaigns.models import Campaign
from web.deadlines.services import NOT_SUBMITTED, deadline_text, late_rule_text, unit_deadlines

log = logging.getLogger(__name__)

DEFAULT_DAYS = (3, 1)
AFTER_CLOSE = {
    "exclude": (
        "Sau thời hạn trên, biểu mẫu của đơn vị tự khóa; đơn vị không gửi kết quả đúng hạn không được xếp hạng."
    ),
    "last": (
        "Sau thời hạn trên, đơn vị vẫn gửi được kết quả nhưng bị ghi là nộp muộn và xếp cuối trong nhóm đơn vị."
    ),
}
STATES = (*NOT_SUBMITTED, State.EXPLANATIONS)


def reminder_days() -> tuple[int, ...]:
    """The day counts before a deadline on which units are reminded: settings.VANBAN_REMINDER_DAYS (or the
    environment's «3,1»), default (3, 1). A value that is not a whole number of days is ignored, with a warning."""
    raw: Any = (
        getattr(settings, "VANBAN_REMINDER_DAYS", None)
        or os.environ.get("VANBAN_REMINDER_DAYS")
        or DEFAULT_DAYS
    )
    if isinstance(raw, str):
        raw = raw.replace(";", ",").split(",")
    days = set()
    for value in raw:
        try:
            day = int(str(value).strip())
        except ValueError:
            log.warning("VANBAN_REMINDER_DAYS: %r is not a number of days; ignored", value)
            continue
        if day >= 0:
            days.add(day)
    return tuple(sorted(days or set(DEFAULT_DAYS)))


@dataclass
class ReminderReport:
    sent: int = 0  # messages sent
    recipients: int = 0  # addresses they went to
    skipped_no_email: int = 0  # unit people without an e-mail address
    units_without_email: list[str] = field(default_factory=list)
    failed: int = 0  # messages the mail server refused (tried again at the next run)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"Đã gửi {self.sent} thư nhắc hạn đến {self.recipients} địa chỉ."]
        if self.skipped_no_email:
            parts.append(
                f"{self.skipped_no_email} người của đơn vị chưa có địa chỉ thư điện tử nên không nhận được."
            )
        if self.failed:
            parts.append(
                f"{self.failed} thư chưa gửi được (sẽ gửi lại ở lần sau): {'; '.join(self.errors[:3])}"
            )
        return " ".join(parts)


@dataclass(frozen=True)
class _Due:
    campaign: Campaign
    plan: OnlinePlan
    submission: Submission
    phase: str
    window: Window
    days_before: int
    days_left: int


def _due_step(window: Window, today: date, now: datetime, days: tuple[int, ...]) -> tuple[int, int] | None:
    """(the reminder's day count, days left) when a reminder is due today for this window; None otherwise."""
    if window.last_day is None or window.not_yet(now) or window.past(now):
        return None
    left = (window.last_day - today).days
    steps = [d for d in days if d >= left]
    return (min(steps), left) if steps else None


def due_reminders(now: datetime, *, agency_id: int | None = None) -> list[_Due]:
    """Every reminder due now and not yet sent."""
    today = now.astimezone(clock.VN).date()
    days = reminder_days()
    subs = Submission.objects.filter(state__in=STATES)
    if agency_id is not None:
        subs = subs.filter(agency_id=agency_id)
    campaign_ids = set(subs.values_list("campaign_id", flat=True).distinct())
    due: list[_Due] = []
    for campaign in Campaign.objects.filter(pk__in=campaign_ids).order_by("pk"):
        try:
            plan = plan_for(campaign)
        except (VanbanError, OSError):
            log.warning("reminders: the campaign %s cannot be read; no reminders for it", campaign.pk)
            continue
        sent = set(
            ReminderSent.objects.filter(campaign=campaign).values_list(
                "unit_id", "phase", "deadline", "days_before"
            )
        )
        waiting = (
            Submission.objects.filter(campaign=campaign, state__in=STATES)
            .select_related("unit", "campaign")
            .order_by("tier", "unit__name")
        )
        for u in unit_deadlines(campaign, plan, now, submissions=waiting):
            phase = EXPLANATIONS if u.submission.state == State.EXPLANATIONS else SELF_ASSESSMENT
            window = u.window
            step = _due_step(window, today, now, days)
            if step is None:
                continue
            key = (u.submission.unit_id, phase, window.last_day, step[0])
            if key in sent:
                continue
            due.append(_Due(campaign, plan, u.submission, phase, window, step[0], step[1]))
    return due


def _recipients(submissions: list[Submission]) -> dict[int, list[Any]]:
    """The unit's chuyên viên and lãnh đạo (active accounts), per unit id."""
    unit_ids = {s.unit_id for s in submissions}
    people: dict[int, list[Any]] = {}
    for profile in (
        Profile.objects.filter(unit_id__in=unit_ids, role__in=list(UNIT_ROLES), user__is_active=True)
        .select_related("user")
        .order_by("role", "user__username")
    ):
        people.setdefault(profile.unit_id, []).append(profile)
    return people


def form_link() -> str:
    """Where the unit's form is, as an absolute address when the service knows its own (VANBAN_SITE_URL)."""
    try:
        path = reverse("selfassess:index")
    except NoReverseMatch:
        path = "/tu-danh-gia/"
    # The environment too: `vanban remind` runs with the service's environment, whatever the settings read.
    base = str(getattr(settings, "VANBAN_SITE_URL", "") or os.environ.get("VANBAN_SITE_URL", "")).rstrip("/")
    return f"{base}{path}" if base else ""


def _system(plan: OnlinePlan) -> str:
    return plan.system_name or "vanban"


def message_for(item: _Due, to: list[str]) -> EmailMessage:
    sub, plan, window = item.submission, item.plan, item.window
    unit = sub.unit.name
    when = deadline_text(window.last_day)
    left = "hôm nay là ngày cuối cùng" if item.days_left == 0 else f"còn {item.days_left} ngày"
    if item.phase == EXPLANATIONS:
        subject = f"[{_system(plan)}] Nhắc hạn gửi giải trình, bổ sung: {unit}, hạn {when}"
        what = "gửi nội dung giải trình, bổ sung theo ý kiến thẩm định"
        todo = "Lãnh đạo đơn vị xem lại nội dung giải trình và bấm «Gửi giải trình» trước thời hạn."
        after = "Sau thời hạn trên, hệ thống khóa phần giải trình của đơn vị."
    else:
        subject = f"[{_system(plan)}] Nhắc hạn gửi kết quả tự đánh giá: {unit}, hạn {when}"
        what = "gửi kết quả tự đánh giá, chấm điểm và tài liệu kiểm chứng"
        if sub.state == State.AWAITING_APPROVAL:
            todo = "Số liệu đang chờ lãnh đạo đơn vị xem xét: lãnh đạo bấm «Xác nhận số liệu» để gửi Sở."
        else:
            todo = (
                "Chuyên viên hoàn thành số liệu, tài liệu kiểm chứng và bấm «Trình lãnh đạo»; lãnh đạo đơn vị "
                "bấm «Xác nhận số liệu» để gửi Sở."
            )
        after = AFTER_CLOSE.get(plan.late_rule) or late_rule_text(plan.late_rule)
    extended = " (đã được Sở gia hạn)" if window.extended else ""
    link = form_link()
    lines = [
        f"Kính gửi: {unit},",
        "",
        f"{_system(plan)} xin nhắc: thời hạn {what} của đơn vị trong đợt «{item.campaign.title}» là "
        f"{when}{extended}; {left}.",
        "",
        f"Trạng thái bài của đơn vị hiện nay: {sub.get_state_display()}.",
        todo,
        after,
        "",
        f"Vào biểu mẫu của đơn vị: {link}"
        if link
        else "Đăng nhập hệ thống, mục «Tự đánh giá», để hoàn thành.",
        "",
        f"Thư này do hệ thống gửi tự động; xin không trả lời thư này. Cần hỗ trợ, xin liên hệ {plan.issuer}.",
    ]
    return EmailMessage(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, to)


def send_due_reminders(now: datetime | None = None, *, agency_id: int | None = None) -> ReminderReport:
    """Send every reminder due at `now` (the service's clock by default) and not sent before."""
    now = now or clock.now()
    report = ReminderReport()
    due = due_reminders(now, agency_id=agency_id)
    if not due:
        return report
    people = _recipients([d.submission for d in due])
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30  # a silent mail server must not hold the run
    connection = get_connection(fail_silently=False, timeout=timeout)
    opened = False
    try:
        for item in due:
            profiles = people.get(item.submission.unit_id, [])
            to = [p.user.email.strip() for p in profiles if (p.user.email or "").strip()]
            missing = len(profiles) - len(to)
            if missing:
                report.skipped_no_email += missing
                report.units_without_email.append(item.submission.unit.name)
            if not to:
                continue  # not claimed: once someone fills in an address, the unit is reminded
            claim = _claim(item, to)
            if claim is None:
                continue  # another run sent it meanwhile
            try:
                if not opened:
                    connection.open()
                    opened = True
                connection.send_messages([message_for(item, to)])
            except Exception as exc:  # noqa: BLE001 - reported in Vietnamese, retried at the next run
                claim.delete()
                report.failed += 1
                report.errors.append(f"{item.submission.unit.name}: {_mail_error(exc)}")
                log.warning("reminder to %s not sent: %s", item.submission.unit.name, exc)
                if isinstance(exc, smtplib.SMTPRecipientsRefused):
                    continue  # this unit's addresses only: the others still go
                break  # the server itself is unreachable or refusing: the next run tries again
            report.sent += 1
            report.recipients += len(to)
    finally:
        if opened:
            _close(connection)
    return report


def _claim(item: _Due, to: list[str]) -> ReminderSent | None:
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(
                campaign=item.campaign,
                unit=item.submission.unit,
                phase=item.phase,
                deadline=item.window.last_day,
                days_before=item.days_before,
                recipients=to,
            )
    except IntegrityError:
        return None


def _close(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a connection that broke is closed already
        log.debug("closing the mail connection", exc_info=True)


def _mail_error(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "máy chủ thư từ chối địa chỉ người nhận"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "máy chủ thư từ chối tên đăng nhập hoặc mật khẩu (VANBAN_SMTP_USER, VANBAN_SMTP_PASSWORD)"
    if isinstance(
        exc, (ConnectionError, TimeoutError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)
    ):
        return "không kết nối được máy chủ thư (VANBAN_SMTP_HOST, VANBAN_SMTP_PORT)"
    if isinstance(exc, smtplib.SMTPException):
        return f"máy chủ thư trả lời lỗi ({exc})"
    if isinstance(exc, OSError):
        return f"lỗi kết nối máy chủ thư ({exc.strerror or type(exc).__name__})"
    return f"lỗi gửi thư ({type(exc).__name__})"
